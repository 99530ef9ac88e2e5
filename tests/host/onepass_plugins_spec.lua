-- The shipped plugins in one pass: services, tasks and autoruns over the
-- one-pass host WS-ONE (testdata/onepass), where one dropped binary,
-- C:\ProgramData\Intel\gfxhelper.exe, is persisted as a service, a scheduled
-- task, a machine Run value and alice's Run value. A hunt and a case run
-- report every mechanism, each where it was found, and one correlation.
local bin = assert(os.getenv("HH_BIN"))
local fixtures = assert(os.getenv("HH_TESTDATA"))
local cjson = require "cjson"

local function sh(s) return "'" .. s:gsub("'", "'\\''") .. "'" end
local function slurp(p) local f = assert(io.open(p, "rb")); local s = f:read("a"); f:close(); return s end
local function copy(from, to)
  assert(os.execute("mkdir -p " .. sh(to:match("^(.*)/[^/]*$")) .. " && cp " .. sh(from) .. " " .. sh(to)))
end

local root = os.tmpname()
os.remove(root)

-- runs hivehunt with the build's plugins and no local policy layers
local function hh(args)
  local err = root .. "/stderr"
  assert(os.execute("mkdir -p " .. sh(root)))
  local p = io.popen(("XDG_CONFIG_HOME=%s %s %s 2>%s"):format(sh(root .. "/xdg"), sh(bin), args, sh(err)))
  local out = p:read("a")
  local _, _, code = p:close()
  return code, out, slurp(err)
end

local function findings(out)
  local list = {}
  for line in out:gmatch("[^\n]+") do list[#list + 1] = cjson.decode(line) end
  return list
end

local H = {
  system = fixtures .. "/onepass/SYSTEM", software = fixtures .. "/onepass/SOFTWARE",
  alice = fixtures .. "/onepass/alice-NTUSER", bob = fixtures .. "/onepass/bob-NTUSER",
}
local BINARY = [[c:\programdata\intel\gfxhelper.exe]]

-- what a report of WS-ONE must hold, whichever way it was produced
local function check_host(all, hives)
  local by_plugin = {}
  for _, f in ipairs(all) do
    by_plugin[f.plugin] = by_plugin[f.plugin] or {}
    table.insert(by_plugin[f.plugin], f)
  end
  assert.truthy(by_plugin.services, "no services finding")
  assert.truthy(by_plugin.tasks, "no tasks finding")
  assert.truthy(by_plugin.autoruns, "no autoruns finding")
  for _, f in ipairs(by_plugin.services) do
    assert.are.equal("SYSTEM", f.hive_kind)
    assert.are.equal(hives.system, f.hive)
  end
  for _, f in ipairs(by_plugin.tasks) do
    assert.are.equal("SOFTWARE", f.hive_kind)
    assert.are.equal([[\Intel\GfxRefresh]], f.task)
  end
  local users = {}
  for _, f in ipairs(by_plugin.autoruns) do
    if f.hive_kind == "NTUSER" then users[f.user] = f.value end
  end
  assert.are.same({ alice = "GfxTray" }, users)

  local c = by_plugin.correlate
  assert.are.equal(1, #c)
  assert.are.equal("persistence-multiple-mechanisms", c[1].rule)
  assert.are.equal("high", c[1].severity)
  assert.are.equal(BINARY, c[1].evidence.binary)
  local seen = {}
  for _, m in ipairs(c[1].evidence.mechanisms) do
    seen[#seen + 1] = m.plugin .. ":" .. tostring(m.value) .. ":" .. tostring(m.user ~= nil and m.user or "-")
  end
  table.sort(seen)
  assert.are.same({ "autoruns:GfxTray:alice", "autoruns:IntelGfx:-", "services:ImagePath:-", "tasks:Actions:-" }, seen)
  -- the correlation leads the report
  assert.are.equal("persistence-multiple-mechanisms", all[1].rule)
end

describe("one pass with the shipped plugins", function()
  teardown(function() os.execute("rm -rf " .. sh(root)) end)

  it("hunts SYSTEM, SOFTWARE and two users' hives: services, tasks, autoruns and one correlation", function()
    local code, out, err = hh(("hunt %s %s %s %s --format jsonl"):format(sh(H.bob), sh(H.software), sh(H.alice), sh(H.system)))
    assert.are.equal(0, code, err)
    check_host(findings(out), H)
    -- nothing on this host but the planted binary reaches medium
    for _, f in ipairs(findings(out)) do
      if f.severity == "medium" or f.severity == "high" or f.severity == "critical" then
        assert.are.equal("correlate", f.plugin, cjson.encode(f))
      end
    end
  end)

  it("fails on the correlation: --fail-on high exits 1", function()
    local code = hh(("hunt %s %s %s --fail-on high --format jsonl"):format(sh(H.system), sh(H.software), sh(H.alice)))
    assert.are.equal(1, code)
  end)

  it("runs the same host as a case folder, one report holding every plugin's findings", function()
    local case, reports = root .. "/case", root .. "/reports"
    local host = case .. "/WS-ONE/C"
    local hives = {
      system = host .. "/Windows/System32/config/SYSTEM", software = host .. "/Windows/System32/config/SOFTWARE",
    }
    copy(H.system, hives.system)
    copy(H.software, hives.software)
    copy(H.alice, host .. "/Users/alice/NTUSER.DAT")
    copy(H.bob, host .. "/Users/bob/NTUSER.DAT")
    local code, _, err = hh(("case %s --output %s --jobs 1"):format(sh(case), sh(reports)))
    assert.are.equal(0, code, err)
    local all = findings(slurp(reports .. "/WS-ONE/findings.jsonl"))
    check_host(all, hives)
    local summary = cjson.decode(slurp(reports .. "/summary.jsonl"):match("[^\n]+"))
    assert.are.equal(1, summary.plugins.correlate)
    assert.truthy(summary.plugins.tasks >= 1 and summary.plugins.autoruns >= 2 and summary.plugins.services >= 1)
  end)
end)
