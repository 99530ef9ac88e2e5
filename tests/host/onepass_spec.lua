-- One pass over a host's hives: hunt HIVE... in any order and case DIR run
-- every plugin whose hive kinds are there (services, and the test plugins
-- userrun over user hives and machinerun over SOFTWARE), attribute user
-- hives, and correlate one binary persisted three ways.
local bin = assert(os.getenv("HH_BIN"))
local fixtures = assert(os.getenv("HH_TESTDATA"))
local build = assert(os.getenv("HH_BUILD_DIR"))
local corpus = (os.getenv("HH_CORPUS") or "../shared/corpus")
local cjson = require "cjson"
local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$")

local function sh(s) return "'" .. s:gsub("'", "'\\''") .. "'" end
local function slurp(p) local f = assert(io.open(p, "rb")); local s = f:read("a"); f:close(); return s end
local function exists(p) local f = io.open(p, "rb"); if f then f:close() return true end return false end
local function copy(from, to)
  assert(os.execute("mkdir -p " .. sh(to:match("^(.*)/[^/]*$")) .. " && cp " .. sh(from) .. " " .. sh(to)))
end

local root = os.tmpname()
os.remove(root)
local plugins, xdg = root .. "/plugins", root .. "/xdg"

-- runs hivehunt with the three plugins installed; returns code, stdout, stderr
local function hh(args)
  local err = root .. "/stderr"
  -- only the plugins installed here (HIVEHUNT_PLUGIN_PATH would add the build's)
  local p = io.popen(("HIVEHUNT_PLUGIN_PATH= XDG_CONFIG_HOME=%s %s %s --plugin-dir %s 2>%s")
    :format(sh(xdg), sh(bin), args, sh(plugins), sh(err)))
  local out = p:read("a")
  local _, _, code = p:close()
  return code, out, slurp(err)
end

local function findings(out)
  local list = {}
  for line in out:gmatch("[^\n]+") do list[#list + 1] = cjson.decode(line) end
  return list
end

local function by_rule(list, rule)
  local out = {}
  for _, f in ipairs(list) do if f.rule == rule then out[#out + 1] = f end end
  return out
end

local H = {
  system = fixtures .. "/onepass/SYSTEM", software = fixtures .. "/onepass/SOFTWARE",
  alice = fixtures .. "/onepass/alice-NTUSER", bob = fixtures .. "/onepass/bob-NTUSER",
}

describe("one-pass hunt", function()
  setup(function()
    assert(os.execute("mkdir -p " .. sh(plugins) .. " " .. sh(xdg .. "/hivehunt")))
    for _, p in ipairs { build .. "/plugins/services.so", build .. "/tests/testplugins/userrun.so",
                         build .. "/tests/testplugins/machinerun.so" } do
      copy(p, plugins .. "/" .. p:match("[^/]+$"))
    end
    copy(here .. "/policies/userrun.lua", xdg .. "/hivehunt/userrun.lua")
    copy(here .. "/policies/machinerun.lua", xdg .. "/hivehunt/machinerun.lua")
  end)
  teardown(function() os.execute("rm -rf " .. sh(root)) end)

  it("runs every plugin over SYSTEM, SOFTWARE and two users' hives in any order, one report", function()
    local code, out, err = hh(("hunt %s %s %s %s --format jsonl"):format(sh(H.alice), sh(H.system), sh(H.bob), sh(H.software)))
    assert.are.equal(0, code, err)
    local all = findings(out)
    local seen = {}
    for _, f in ipairs(all) do seen[f.plugin] = true end
    assert.are.same({ services = true, userrun = true, machinerun = true, correlate = true }, seen)
    local run = by_rule(all, "userrun-programdata")
    assert.are.equal(1, #run)
    -- the policy named neither hive nor user: the host took them from the row
    assert.are.equal("alice", run[1].user)
    assert.are.equal(H.alice, run[1].hive)
    assert.are.equal("NTUSER", run[1].hive_kind)
    assert.are.equal("GfxTray", run[1].value)
    local svc = by_rule(all, "path-programdata")[1]
    assert.are.equal("SYSTEM", svc.hive_kind)
    assert.are.equal(cjson.null, svc.user)
    for _, f in ipairs(by_rule(all, "machinerun-value")) do
      assert.are.equal(H.software, f.hive)
      assert.are.equal("SOFTWARE", f.hive_kind)
    end
    local c = by_rule(all, "persistence-multiple-mechanisms")
    assert.are.equal(1, #c)
    assert.are.equal("high", c[1].severity)
    assert.are.equal("correlate", c[1].plugin)
    assert.are.equal("c:\\programdata\\intel\\gfxhelper.exe", c[1].evidence.binary)
    local mech = {}
    for _, m in ipairs(c[1].evidence.mechanisms) do mech[m.plugin] = m end
    assert.are.equal("IntelGfx", mech.machinerun.value)
    assert.are.equal("ImagePath", mech.services.value)
    assert.are.equal("alice", mech.userrun.user)
    assert.are.same({ "userrun-programdata" }, mech.userrun.flagged_by)
    -- worst first: the correlation leads
    assert.are.equal("persistence-multiple-mechanisms", all[1].rule)
    -- the same hives in another order give the same bytes
    local _, again = hh(("hunt %s %s --software %s %s --format jsonl"):format(sh(H.system), sh(H.bob), sh(H.software), sh(H.alice)))
    assert.are.equal(out, again)
  end)

  it("groups table and html findings by plugin, worst group first", function()
    local args = ("%s %s %s"):format(sh(H.system), sh(H.software), sh(H.alice))
    local code, out = hh("hunt " .. args .. " --format table")
    assert.are.equal(0, code)
    local a, b = out:find("== correlate (1 finding)", 1, true), out:find("== services (2 findings)", 1, true)
    assert.truthy(a and b and a < b, out)
    assert.truthy(out:find("== userrun (1 finding)", 1, true), out)
    local _, html = hh("hunt " .. args .. " --format html")
    assert.truthy(html:find('<h3 class="plugin">machinerun <span class="n">(2)</span></h3>', 1, true))
    assert.truthy(html:find("(userrun) GfxTray 2026-11-02T03:16:45Z", 1, true), "a flagged row of another plugin on the timeline")
    -- one plugin's findings: no group titles, as before
    local _, one = hh(("hunt %s %s --plugin services --format table"):format(sh(H.system), sh(H.software)))
    assert.is_nil(one:find("== ", 1, true))
  end)

  it("lists any plugin's raw rows in every format, and every plugin's rules", function()
    local code, out, err = hh(("list userrun %s %s --format jsonl"):format(sh(H.alice), sh(H.bob)))
    assert.are.equal(0, code, err)
    local rows = findings(out)
    assert.are.equal(2, #rows)
    assert.are.equal("alice", rows[1].user)
    assert.are.equal("bob", rows[2].user)
    local _, csv = hh(("list userrun %s --format csv"):format(sh(H.alice)))
    assert.truthy(csv:find("^name,hive,hive_kind,user,key,value,last_write,command,launches\r\n"), csv)
    local _, tbl = hh(("list machinerun %s --format table"):format(sh(H.software)))
    assert.truthy(tbl:find("2 rows\n$"), tbl)
    -- the services alias is the services plugin's listing
    local _, a = hh(("services %s --format jsonl"):format(sh(H.system)))
    local _, b = hh(("list services %s --format jsonl"):format(sh(H.system)))
    assert.are.equal(a, b)
    code, out = hh("rules")
    assert.are.equal(0, code)
    for _, p in ipairs { "machinerun", "services", "userrun", "correlate" } do
      assert.truthy(out:find("== " .. p .. " ==", 1, true), out)
    end
    code, out = hh("rules --plugin services --plugin correlate")
    assert.are.equal(0, code)
    local s, c = out:find("== services ==", 1, true), out:find("== correlate ==", 1, true)
    assert.truthy(s and c and s < c, out)
    assert.truthy(out:find("persistence-multiple-mechanisms", c, true), out)
  end)

  it("takes a golden host folder as every plugin's baseline", function()
    local golden = root .. "/golden"
    copy(fixtures .. "/clean/SYSTEM", golden .. "/C/Windows/System32/config/SYSTEM")
    copy(H.software, golden .. "/C/Windows/System32/config/SOFTWARE")
    local code, out, err = hh(("hunt %s %s --baseline %s --format jsonl"):format(sh(H.system), sh(H.software), sh(golden)))
    assert.are.equal(0, code, err)
    local all = findings(out)
    assert.are.equal(1, #by_rule(all, "baseline-added"), out)
    assert.are.equal("IntelGfxHelper", by_rule(all, "baseline-added")[1].service)
    -- the golden SOFTWARE holds the same Run values: machinerun's policy saw them
    assert.are.equal(0, #by_rule(all, "machinerun-value"), out)
  end)

  it("fails on the correlation with --fail-on high", function()
    local code = hh(("hunt %s %s %s --fail-on high --format jsonl"):format(sh(H.system), sh(H.software), sh(H.alice)))
    assert.are.equal(1, code)
  end)

  it("hunts a user hive alone, names the plugins it skipped, and refuses two SYSTEM hives", function()
    local code, out, err = hh(("hunt %s --format jsonl"):format(sh(H.alice)))
    assert.are.equal(0, code, err)
    assert.truthy(err:find("plugin services skipped: no hive of a kind it needs: SYSTEM", 1, true), err)
    assert.truthy(err:find("plugin machinerun skipped: no hive of a kind it needs: SOFTWARE", 1, true), err)
    local all = findings(out)
    assert.are.equal(1, #all)
    assert.are.equal("alice", all[1].user)
    code, _, err = hh(("hunt %s %s"):format(sh(H.system), sh(fixtures .. "/clean/SYSTEM")))
    assert.are.equal(2, code)
    assert.truthy(err:find("a second SYSTEM hive", 1, true), err)
    -- --plugin narrows the set
    code, out = hh(("hunt %s %s --plugin services --format jsonl"):format(sh(H.system), sh(H.software)))
    assert.are.equal(0, code)
    for _, f in ipairs(findings(out)) do assert.are.equal("services", f.plugin) end
  end)

  it("names the user of every real user hive hunted alone", function()
    local want = {
      ["artemis_Win10_Default_NTUSER.DAT"] = "Default", ["museum_Win11_NTUSER.DAT"] = "AndrewRathbun",
      ["notatin_win7_ntuser.dat"] = "jmroberts", ["plaso_NTUSER-RunTests.DAT"] = "vibranium",
      ["plaso_NTUSER_XP.DAT"] = "joe",
    }
    if not exists(corpus .. "/ntuser/plaso_NTUSER_XP.DAT") then return pending("corpus absent") end
    -- a local layer that reports every user Run value at info, so each hive yields findings
    local every = xdg .. "/every.lua"
    local f = assert(io.open(every, "w"))
    f:write([[return { name = "userrun", description = "every Run value", hives = { "NTUSER" },
      evaluate = function(input) local out = {}
        for _, r in ipairs(input.rows) do out[#out + 1] = { rule = "run", severity = "info", score = 0,
          message = tostring(r.launches), key = r.key, value = r.value } end
        return out end }]])
    f:close()
    for file, user in pairs(want) do
      local code, out, err = hh(("hunt %s --policy userrun=%s --format jsonl"):format(sh(corpus .. "/ntuser/" .. file), sh(every)))
      assert.is_true(code == 0 or code == 1, file .. ": " .. err)
      local all = findings(out)
      assert.is_true(#all > 0, file)
      for _, x in ipairs(all) do
        assert.are.equal(user, x.user, file)
        assert.are.equal("NTUSER", x.hive_kind, file)
      end
    end
  end)

  it("hunts a case: every user's hive with its host, a user-only host, a damaged user hive", function()
    local case, reports = root .. "/case", root .. "/reports"
    copy(H.system, case .. "/WS-ONE/C/Windows/System32/config/SYSTEM")
    copy(H.software, case .. "/WS-ONE/C/Windows/System32/config/SOFTWARE")
    copy(H.alice, case .. "/WS-ONE/C/Users/alice/NTUSER.DAT")
    copy(H.bob, case .. "/WS-ONE/C/Users/bob/NTUSER.DAT")
    -- a laptop collected as one user's profile only; its file's base block says alice, the layout carol
    copy(H.alice, case .. "/LAPTOP/C/Users/carol/NTUSER.DAT")
    copy(fixtures .. "/clean/SYSTEM", case .. "/OLDXP/SYSTEM")
    copy(H.bob, case .. "/OLDXP/NTUSER_dave.DAT")
    assert(os.execute("head -c 5000 /dev/urandom > " .. sh(case .. "/OLDXP/NTUSER.DAT")))
    local code, _, err = hh(("case %s --output %s --jobs 2"):format(sh(case), sh(reports)))
    assert.are.equal(0, code, err)
    local summary = {}
    for line in slurp(reports .. "/summary.jsonl"):gmatch("[^\n]+") do
      local row = cjson.decode(line)
      summary[row.host] = row
    end
    local one = summary["WS-ONE"]
    assert.are.equal(2, #one.user_hives)
    assert.are.same({ correlate = 1, machinerun = 2, services = 2, userrun = 1 }, one.plugins)
    local all = findings(slurp(reports .. "/WS-ONE/findings.jsonl"))
    assert.are.equal(1, #by_rule(all, "persistence-multiple-mechanisms"))
    assert.are.equal("alice", by_rule(all, "userrun-programdata")[1].user)
    local laptop = summary.LAPTOP
    assert.is_nil(laptop.system ~= cjson.null and laptop.system or nil)
    assert.are.equal("ok", laptop.status)
    local lf = findings(slurp(reports .. "/LAPTOP/findings.jsonl"))
    assert.are.equal(1, #lf)
    assert.are.equal("carol", lf[1].user)
    local xp = summary.OLDXP
    assert.are.equal("ok", xp.status)
    assert.are.equal(2, #xp.user_hives)
    assert.are.equal(1, #xp.failed_hives)
    assert.truthy(xp.failed_hives[1]:find("OLDXP/NTUSER.DAT: ", 1, true), xp.failed_hives[1])
    assert.truthy(xp.failed_hives[1]:find("not a registry hive", 1, true), xp.failed_hives[1])
    assert.is_true(exists(reports .. "/OLDXP/findings.jsonl"))
    assert.are.equal(0, xp.plugins.services)
    assert.truthy(slurp(reports .. "/index.html"):find("left out: ", 1, true))
  end)
end)
