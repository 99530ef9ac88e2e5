-- plugin.autoruns on the real hives in HH_CORPUS (skipped where absent) and
-- on small hives built inline by hh-mkhive, so each edge case shows what it
-- plants: list values, REG_EXPAND_SZ, empty, missing and wrong-typed values,
-- a key without values, control sets that disagree, the hives-table form.
local regf = require "hh.regf"
local autoruns = require "plugin.autoruns"

local corpus = os.getenv("HH_CORPUS")
local testdata = os.getenv("HH_TESTDATA")
local manifest = dofile(testdata .. "/manifest.lua")

local function corpus_file(rel)
  local path = (corpus or "") .. "/" .. rel
  local f = io.open(path, "rb")
  if not f then return nil end
  f:close()
  return path
end

local built = {}
local function build(text)
  local spec, out = os.tmpname(), os.tmpname()
  local f = assert(io.open(spec, "wb"))
  f:write(text)
  f:close()
  local ok = os.execute(("'%s' '%s' '%s' >/dev/null"):format(manifest.mkhive, spec, out))
  os.remove(spec)
  assert(ok, "hh-mkhive failed on:\n" .. text)
  built[#built + 1] = out
  return assert(regf.open(out))
end

local function by_location(input)
  local out = {}
  for _, r in ipairs(input.rows) do
    out[r.location] = out[r.location] or {}
    table.insert(out[r.location], r)
  end
  return out
end

local function commands(rows)
  local out = {}
  for _, r in ipairs(rows or {}) do out[#out + 1] = r.command end
  return out
end

local function has_warning(input, needle)
  for _, w in ipairs(input.warnings) do
    if w:find(needle, 1, true) then return true end
  end
  return false
end

teardown(function()
  for _, p in ipairs(built) do os.remove(p) end
end)

describe("plugin.autoruns on real hives", function()
  -- rows per hive, read by hand from each hive (regedit-style dumps)
  local expect = {
    ["ntuser/artemis_Win10_Default_NTUSER.DAT"] = { rows = 3, run = { "C:\\Windows\\SysWOW64\\OneDriveSetup.exe /thfirstsetup" } },
    ["ntuser/museum_Win11_NTUSER.DAT"] = { rows = 3 },
    ["ntuser/notatin_win7_ntuser.dat"] = { rows = 5 },
    ["ntuser/plaso_NTUSER-RunTests.DAT"] = { rows = 3 },
    ["ntuser/plaso_NTUSER_XP.DAT"] = { rows = 3, run = { "C:\\WINDOWS\\system32\\ctfmon.exe" } },
    ["regipy/NTUSER.DAT"] = { rows = 3 },
    ["regipy/SYSTEM"] = { rows = 42 },
    ["regipy/SYSTEM_B"] = { rows = 17 },
    ["winevt-kb/SYSTEM_XP"] = { rows = 34 },
    ["aiowinreg/SYSTEM"] = { rows = 12 },
    ["aiowinreg/SOFTWARE"] = { rows = 5 },
  }
  for rel, e in pairs(expect) do
    it(rel, function()
      local path = corpus_file(rel)
      if not path then return pending("corpus hive " .. rel .. " absent") end
      local input = assert(autoruns.collect(assert(regf.open(path))))
      assert.equal("autoruns", input.plugin)
      assert.equal(e.rows, #input.rows)
      assert.same({}, input.warnings)
      for _, r in ipairs(input.rows) do
        assert.is_string(r.location)
        assert.is_string(r.technique)
        assert.is_string(r.key)
        assert.is_string(r.hive_kind)
        assert.equal(path, r.hive)
        assert.is_string(r.last_write)
      end
      if e.run then assert.same(e.run, commands(by_location(input)["hkcu-run"])) end
    end)
  end

  it("regipy/SYSTEM: every control set, the current one marked, lists split per element", function()
    local path = corpus_file("regipy/SYSTEM")
    if not path then return pending("corpus hive absent") end
    local input = assert(autoruns.collect(assert(regf.open(path))))
    local loc = by_location(input)
    local sp = {}
    for _, r in ipairs(loc["lsa-security-packages"]) do
      if r.control_set == "ControlSet001" then
        sp[#sp + 1] = r.command
        assert.equal(6, r.elements)
        assert.equal("REG_MULTI_SZ", r.data_type)
        assert.is_true(r.current)
      else
        assert.equal("ControlSet002", r.control_set)
        assert.is_false(r.current)
      end
    end
    assert.same({ "kerberos", "msv1_0", "schannel", "wdigest", "tspkg", "pku2u" }, sp)
    local np = loc["network-provider"][1]
    assert.equal("RDPNP", np.provider)
    assert.equal("%SystemRoot%\\System32\\drprov.dll", np.provider_path)
    assert.equal("T1556.008", np.technique)
  end)

  it("aiowinreg/SOFTWARE (NT4): Userinit split at its comma, the IFEO placeholder listed", function()
    local path = corpus_file("aiowinreg/SOFTWARE")
    if not path then return pending("corpus hive absent") end
    local loc = by_location(assert(autoruns.collect(assert(regf.open(path)))))
    assert.same({ "userinit", "nddeagnt.exe" }, commands(loc["winlogon-userinit"]))
    assert.equal("Your Image File Name Here without a path", loc["ifeo-debugger"][1].target)
    assert.equal("ntsd -d", loc["ifeo-debugger"][1].command)
  end)

  it("takes several hives at once, in the hives-table form", function()
    local sys, soft = corpus_file("aiowinreg/SYSTEM"), corpus_file("aiowinreg/SOFTWARE")
    local u1, u2 = corpus_file("ntuser/plaso_NTUSER_XP.DAT"), corpus_file("regipy/NTUSER.DAT")
    if not (sys and soft and u1 and u2) then return pending("corpus hives absent") end
    local input = assert(autoruns.collect {
      system = regf.open(sys), software = regf.open(soft),
      users = { regf.open(u1), { hive = regf.open(u2), user = "vibranium" } },
    })
    assert.equal(12 + 5 + 3 + 3, #input.rows)
    assert.equal(4, #input.hives)
    local users = {}
    for _, r in ipairs(input.rows) do
      if r.hive_kind == "NTUSER" and r.user then users[r.user] = (users[r.user] or 0) + 1 end
    end
    assert.equal(3, users.vibranium)
  end)
end)

describe("plugin.autoruns edge cases", function()
  it("reads a user hive's values of every type and shape", function()
    local h = build([[
@root ROOT
@filename \??\C:\Users\eve\ntuser.dat
[Environment]
"UserInitMprLogonScript"=expand_sz:"%APPDATA%\\logon.bat"
[SOFTWARE\Microsoft\Windows\CurrentVersion\Run]
"Empty"=""
"Binary"=hex:41,00,42,00
"Expand"=expand_sz:"%LOCALAPPDATA%\\Vendor\\app.exe -min"
@="C:\\default.exe"
[SOFTWARE\Microsoft\Windows\CurrentVersion\RunOnce]
[SOFTWARE\Microsoft\Windows\CurrentVersion\RunOnceEx\0001]
@="title"
"Flags"=dword:2
"1"="C:\\x\\y.dll|Entry"
[SOFTWARE\Microsoft\Windows NT\CurrentVersion\Windows]
"Load"="a.exe, b.exe"
"Run"=""
[SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon]
"Shell"=multi_sz:"explorer.exe","",""
[Software\Wow6432Node\Microsoft\Windows\CurrentVersion\Run]
"W"="C:\\w.exe"
]])
    assert.equal("NTUSER", h.kind)
    local input = assert(autoruns.collect { users = { { hive = h, user = "eve" } } })
    local loc = by_location(input)
    local run = {}
    for _, r in ipairs(loc["hkcu-run"]) do run[r.value .. (r.wow64 and "/wow64" or "")] = r end
    assert.is_nil(run.Empty)                          -- runs nothing: no row
    assert.is_nil(run.Binary.command)                 -- not a string: a row, no command
    assert.equal("REG_BINARY", run.Binary.data_type)
    assert.is_true(has_warning(input, "'Binary' is REG_BINARY"))
    assert.equal("%LOCALAPPDATA%\\Vendor\\app.exe -min", run.Expand.command)
    assert.equal("REG_EXPAND_SZ", run.Expand.data_type)
    assert.equal("C:\\default.exe", run[""].command)
    assert.equal("C:\\w.exe", run["W/wow64"].command)
    assert.is_nil(loc["hkcu-runonce"])                -- a key without values
    assert.same({ "C:\\x\\y.dll|Entry" }, commands(loc["hkcu-runonceex"]))
    assert.equal("0001", loc["hkcu-runonceex"][1].target)
    assert.same({ "a.exe", "b.exe" }, commands(loc["hkcu-windows-load"]))
    assert.is_nil(loc["hkcu-windows-run"])
    assert.same({ "explorer.exe" }, commands(loc["hkcu-winlogon-shell"]))
    assert.equal("%APPDATA%\\logon.bat", loc["logon-script"][1].command)
    assert.equal("T1037.001", loc["logon-script"][1].technique)
    for _, r in ipairs(input.rows) do assert.equal("eve", r.user) end
  end)

  it("reads each control set of SYSTEM and keeps the ones that disagree apart", function()
    local h = build([[
@root ROOT
@filename \REGISTRY\MACHINE\SYSTEM
[Select]
"Current"=dword:2
[ControlSet001\Control\Session Manager]
"BootExecute"=multi_sz:"autocheck autochk *"
[ControlSet002\Control\Session Manager]
"BootExecute"=multi_sz:"autocheck autochk *","evil"
"Execute"=dword:1
[ControlSet002\Control\Lsa]
"Notification Packages"="scecli"
[ControlSet002\Services\W32Time\TimeProviders\NtpClient]
"DllName"=expand_sz:"%systemroot%\\system32\\w32time.dll"
"Enabled"=dword:1
[ControlSet002\Services\W32Time\TimeProviders\Empty]
]])
    local input = assert(autoruns.collect(h))
    local loc = by_location(input)
    local boot = {}
    for _, r in ipairs(loc["boot-execute"]) do
      boot[#boot + 1] = ("%s %s %s %d/%d"):format(r.control_set, tostring(r.current), r.command, r.element, r.elements)
    end
    assert.same({ "ControlSet001 false autocheck autochk * 1/1", "ControlSet002 true autocheck autochk * 1/2",
                  "ControlSet002 true evil 2/2" }, boot)
    assert.is_nil(loc["session-execute"][1].command)
    assert.equal("REG_DWORD", loc["session-execute"][1].data_type)
    assert.same({ "scecli" }, commands(loc["lsa-notification-packages"]))
    assert.equal(1, #loc["time-provider"])
    assert.equal(1, loc["time-provider"][1].enabled)
  end)

  it("reads SOFTWARE's companion values: LoadAppInit_DLLs, GlobalFlag, CLSIDs", function()
    local h = build([[
@root ROOT
@filename \REGISTRY\MACHINE\SOFTWARE
[Classes\CLSID\{11111111-2222-3333-4444-555555555555}\InprocServer32]
@="C:\\ProgramData\\x.dll"
[Microsoft\Windows NT\CurrentVersion\Windows]
"AppInit_DLLs"="C:\\a.dll C:\\b.dll,c.dll"
"LoadAppInit_DLLs"=dword:1
[Microsoft\Windows NT\CurrentVersion\Image File Execution Options\notepad.exe]
"GlobalFlag"="0x200"
[Microsoft\Windows NT\CurrentVersion\SilentProcessExit\notepad.exe]
"MonitorProcess"="C:\\m.exe"
"ReportingMode"=dword:1
[Microsoft\Windows\CurrentVersion\ShellServiceObjectDelayLoad]
"Thing"="{11111111-2222-3333-4444-555555555555}"
]])
    assert.equal("SOFTWARE", h.kind)
    local loc = by_location(assert(autoruns.collect(h)))
    assert.same({ "C:\\a.dll", "C:\\b.dll", "c.dll" }, commands(loc["appinit-dlls"]))
    assert.equal(1, loc["appinit-dlls"][1].load_appinit_dlls)
    assert.equal(0x200, loc["silent-process-exit"][1].global_flag)
    assert.equal(1, loc["silent-process-exit"][1].reporting_mode)
    assert.equal("notepad.exe", loc["silent-process-exit"][1].target)
    assert.equal("C:\\ProgramData\\x.dll", loc["ssodl"][1].clsid_dll)
  end)

  it("refuses what is not a hive", function()
    assert.has_error(function() autoruns.collect("x") end)
    assert.has_error(function() autoruns.collect { users = { "x" } } end)
  end)
end)
