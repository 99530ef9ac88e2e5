-- hivehunt case over a folder of hosts built from fixture hives: KAPE and
-- flat layouts, an empty SYSTEM, hostile names; reports per host, the bad
-- host named in the summary, the worst exit code, identical bytes twice.
local bin = assert(os.getenv("HH_BIN"))
local fixtures = assert(os.getenv("HH_TESTDATA"))
local crash_after_stage = assert(os.getenv("HH_CRASH_AFTER_STAGE"))
local cjson = require "cjson"

local function sh(s) return "'" .. s:gsub("'", "'\\''") .. "'" end
local function run(cmd)
  local ok, _, code = os.execute(cmd .. " >/dev/null 2>" .. sh(os.getenv("TMPDIR") or "/tmp") .. "/hh-case-stderr")
  return code
end
local function slurp(p) local f = assert(io.open(p, "rb")); local s = f:read("a"); f:close(); return s end
local function exists(p) local f = io.open(p, "rb"); if f then f:close() return true end return false end
-- every file under dir whose name holds pattern (plain)
local function files_named(dir, pattern)
  local found = {}
  local p = io.popen("find " .. sh(dir) .. " -type f")
  for line in p:lines() do
    if line:find(pattern, 1, true) then found[#found + 1] = line end
  end
  p:close()
  return found
end
local function copy(from, to)
  assert(os.execute("mkdir -p " .. sh(to:match("^(.*)/[^/]*$")) .. " && cp " .. sh(from) .. " " .. sh(to)))
end

describe("hivehunt case", function()
  local root = os.tmpname()
  os.remove(root)
  local case, out = root .. "/evidence", root .. "/reports"
  setup(function()
    copy(fixtures .. "/demo/SYSTEM", case .. "/WS-KAPE/C/Windows/System32/config/SYSTEM")
    copy(fixtures .. "/demo/SOFTWARE", case .. "/WS-KAPE/C/Windows/System32/config/software")
    copy(fixtures .. "/clean/SYSTEM", case .. "/flat/system")
    copy(fixtures .. "/broken/control-char-name", case .. "/hostile/Windows/System32/config/SYSTEM")
    assert(os.execute("mkdir -p " .. sh(case .. "/emptyhost") .. " && : > " .. sh(case .. "/emptyhost/SYSTEM")))
  end)
  teardown(function() os.execute("rm -rf " .. sh(root)) end)

  it("reports every good host, names the bad one, exits with the worst code", function()
    local code = run(sh(bin) .. " case " .. sh(case) .. " --output " .. sh(out) .. " --jobs 2")
    assert.are.equal(3, code)
    for _, host in ipairs { "WS-KAPE", "flat", "hostile" } do
      for _, f in ipairs { "findings.jsonl", "findings.csv", "report.html" } do
        assert.is_true(exists(out .. "/" .. host .. "/" .. f), host .. "/" .. f)
      end
    end
    assert.is_false(exists(out .. "/emptyhost/findings.jsonl"))
    assert.are.same({}, files_named(out, ".staged-"), "no staged report is left behind")
    local summary = {}
    for line in slurp(out .. "/summary.jsonl"):gmatch("[^\n]+") do
      local row = cjson.decode(line)
      summary[row.host] = row
    end
    assert.are.equal("failed", summary.emptyhost.status)
    assert.are.equal(3, summary.emptyhost.exit_code)
    assert.truthy(summary.emptyhost.error:find("empty file", 1, true))
    local kape = summary["WS-KAPE"]
    assert.are.equal("ok", kape.status)
    assert.truthy(kape.software:find("software", 1, true), "SOFTWARE paired case-insensitively")
    assert.are.equal("WS-FIN-042", kape.computer_name)
    assert.is_true(kape.critical + kape.high > 0)
    assert.are.equal("ok", summary.flat.status)
    assert.are.equal(0, summary.flat.high + summary.flat.critical)
    assert.are.equal("ok", summary.hostile.status)
    local index = slurp(out .. "/index.html")
    assert.truthy(index:find('href="WS-KAPE/report.html"', 1, true))
    assert.truthy(index:find("empty file", 1, true))
    -- every finding line of every host parses as JSON
    for _, host in ipairs { "WS-KAPE", "flat", "hostile" } do
      for line in slurp(out .. "/" .. host .. "/findings.jsonl"):gmatch("[^\n]+") do
        assert.is_table(cjson.decode(line))
      end
    end
  end)

  it("writes byte-identical reports on a second run", function()
    local out2 = root .. "/reports2"
    run(sh(bin) .. " case " .. sh(case) .. " --output " .. sh(out2) .. " --jobs 1")
    for _, host in ipairs { "WS-KAPE", "flat", "hostile" } do
      for _, f in ipairs { "findings.jsonl", "findings.csv" } do
        assert.are.equal(slurp(out .. "/" .. host .. "/" .. f), slurp(out2 .. "/" .. host .. "/" .. f), host .. "/" .. f)
      end
    end
    assert.are.equal(slurp(out .. "/summary.jsonl"), slurp(out2 .. "/summary.jsonl"))
  end)

  it("keeps no report of a host whose child crashes after staging some", function()
    local crashed = root .. "/crashed"
    -- (a sanitizer build's runtime must otherwise come first in the preload list)
    local code = run("ASAN_OPTIONS=\"${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0\" LD_PRELOAD="
      .. sh(crash_after_stage) .. " " .. sh(bin) .. " case " .. sh(case .. "/flat") .. " --output " .. sh(crashed))
    assert.are.equal(3, code)
    assert.are.same({}, files_named(crashed, ".staged-"), "the staged reports are removed")
    assert.are.same({}, files_named(crashed, "findings."), "no report of the crashed host")
    assert.is_falsy(os.execute("test -d " .. sh(crashed .. "/flat")), "nor its empty folder")
    local summary = cjson.decode(slurp(crashed .. "/summary.jsonl"):match("[^\n]+"))
    assert.are.equal("failed", summary.status)
    assert.truthy(summary.error:find("crashed", 1, true), summary.error)
  end)

  it("exits 1 with --fail-on when a host has findings at that severity", function()
    local code = run(sh(bin) .. " case " .. sh(case .. "/WS-KAPE") .. " --output " .. sh(root .. "/one") .. " --fail-on high")
    assert.are.equal(1, code)
    assert.is_true(exists(root .. "/one/WS-KAPE/findings.jsonl"))
  end)

  it("refuses a folder without hives, and a missing folder", function()
    os.execute("mkdir -p " .. sh(root .. "/nothing"))
    assert.are.equal(3, run(sh(bin) .. " case " .. sh(root .. "/nothing") .. " --output " .. sh(root .. "/o3")))
    assert.are.equal(3, run(sh(bin) .. " case " .. sh(root .. "/missing") .. " --output " .. sh(root .. "/o4")))
    assert.are.equal(2, run(sh(bin) .. " case " .. sh(case)))
  end)
end)
