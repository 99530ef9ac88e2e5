-- Specs for lua/services.lua: every rule fires on a planted row and stays
-- quiet on its legitimate twin; scoring, bands, order, extend and its
-- validation; the real-Windows oddities that must stay below high.
local services = require "services"
local policy = require "hh.policy"

local RANK = policy.RANK

-- Field value meaning "absent" in the row builders below (nil cannot be
-- told apart from "not given" in a table constructor).
local NONE = {}
local function apply(r, t)
  for k, v in pairs(t or {}) do
    if v == NONE then r[k] = nil else r[k] = v end
  end
end

-- A plain own-process service; fields in t override.
local function svc(t)
  local r = {
    name = "Foo", control_set = "ControlSet001", control_set_number = 1, current = true,
    type = 0x10, type_name = "own_process", start = 2, start_name = "auto",
    object_name = "LocalSystem", image_path = [["C:\Program Files\Vendor\foo.exe"]],
    last_write = "2020-01-01T00:00:00Z", last_write_epoch = 1577836800,
  }
  apply(r, t)
  r.key = r.key or (r.control_set .. "\\Services\\" .. r.name)
  return r
end

local function driver(t)
  local r = svc { type = 1, type_name = "kernel_driver", start = 3, start_name = "demand", object_name = NONE }
  r.image_path = nil
  apply(r, t)
  r.key = r.control_set .. "\\Services\\" .. r.name
  return r
end

local function shared(t)
  local r = svc {
    type = 0x20, type_name = "share_process",
    image_path = [[%SystemRoot%\system32\svchost.exe -k netsvcs]],
    service_dll = [[%SystemRoot%\System32\foo.dll]], service_dll_source = "Parameters",
    svchost_group = "netsvcs",
  }
  apply(r, t)
  r.key = r.control_set .. "\\Services\\" .. r.name
  return r
end

local warnings
local function run(rows, extra, pol)
  warnings = {}
  local input = { plugin = "services", rows = rows, args = {} }
  for k, v in pairs(extra or {}) do input[k] = v end
  return (pol or services).evaluate(input, { warn = function(m) warnings[#warnings + 1] = m end })
end

-- rule id -> finding, for the findings of one service
local function by_rule(findings, name)
  local out = {}
  for _, f in ipairs(findings) do
    if name == nil or f.service == name then out[f.rule] = f end
  end
  return out
end

local function fires(rule_id, row, extra)
  return by_rule(run({ row }, extra), row.name)[rule_id]
end

local function worst(findings, name)
  local w = nil
  for _, f in ipairs(findings) do
    if f.service == name and (w == nil or RANK[f.severity] > RANK[w]) then w = f.severity end
  end
  return w
end

local SVCHOST = { groups = {
  netsvcs = { "Foo", "AeLookupSvc", "BITS" },
  LocalServiceNetworkRestricted = { "Dhcp" },
  UnistackSvcGroup = { "CDPUserSvc", "OneSyncSvc" },
} }

describe("services policy contract", function()
  it("has the contract's fields", function()
    assert.equal("services", services.name)
    assert.is_string(services.description)
    assert.is_table(services.categories)
    assert.same({ "SYSTEM", "SOFTWARE" }, services.hives)
    assert.is_function(services.init)
    assert.is_function(services.evaluate)
    assert.is_function(services.extend)
    assert.is_table(services.rules)
  end)

  it("ships every rule id DESIGN.md lists for it", function()
    local ids = {}
    for _, r in ipairs(services.rules) do ids[r.id] = r end
    for _, id in ipairs {
      "path-user-writable", "path-programdata", "path-windows-root", "svchost-dll-outside-system32",
      "svchost-group-unknown", "svchost-group-nonmember", "objectname-nonstandard", "name-random",
      "binary-impersonation", "interpreter-command", "security-service-disabled", "known-tool",
      "unquoted-path", "failure-command", "driver-outside-drivers",
    } do
      assert.is_table(ids[id], id)
      assert.is_string(ids[id].technique)
      assert.is_number(ids[id].weight)
      assert.is_truthy(RANK[ids[id].severity])
    end
    assert.equal("T1574.009", ids["unquoted-path"].technique)
    assert.equal("T1543.003", ids["path-user-writable"].technique)
  end)

  it("gives no findings for an empty input and a clean service", function()
    assert.same({}, run({}))
    assert.same({}, run({ svc {} }))
    assert.same({}, run({ shared { name = "BITS", service_dll = [[%SystemRoot%\System32\qmgr.dll]] } },
      { svchost = SVCHOST }))
    assert.same({}, run({ driver { name = "afd", image_path = [[\SystemRoot\system32\drivers\afd.sys]] } }))
  end)

  it("fills every findings field from the row", function()
    local row = svc { name = "Evil", display_name = "Evil svc", image_path = [[C:\Users\bob\AppData\Roaming\e.exe]],
      service_dll = NONE, hive = "/case/SYSTEM" }
    local f = by_rule(run({ row }), "Evil")["path-user-writable"]
    assert.is_table(f)
    assert.equal("path-user-writable", f.rule)
    assert.equal("T1543.003", f.technique)
    assert.equal("Evil", f.service)
    assert.equal("Evil svc", f.display_name)
    assert.equal("ControlSet001", f.control_set)
    assert.is_true(f.current)
    assert.equal([[ControlSet001\Services\Evil]], f.key)
    assert.equal("2020-01-01T00:00:00Z", f.last_write)
    assert.equal(row.image_path, f.image_path)
    assert.equal("LocalSystem", f.object_name)
    assert.equal(2, f.start)
    assert.equal("auto", f.start_name)
    assert.equal(0x10, f.type)
    assert.equal("own_process", f.type_name)
    assert.is_string(f.message)
    assert.is_number(f.score)
    assert.equal("/case/SYSTEM", f.hive)
    assert.equal("services", f.plugin)
    assert.equal(row.image_path:match("^(%S+)"), f.evidence.path)
    assert.equal([[c:\users\bob\appdata\roaming\e.exe]], f.evidence.normalized)
    assert.equal([[c:\users]], f.evidence.matched)
    assert.equal("bob", f.evidence.profile)
    assert.equal([[appdata\roaming]], f.evidence.within)
  end)

  it("does not modify the input rows", function()
    local row = svc { name = "Evil", image_path = [[C:\Windows\Temp\e.exe]] }
    local copy = {}
    for k, v in pairs(row) do copy[k] = v end
    run({ row })
    assert.same(copy, row)
  end)
end)

describe("rule", function()
  describe("path-user-writable", function()
    local R = "path-user-writable"
    it("fires on profiles, AppData, Temp, Public, the recycle bin", function()
      for _, p in ipairs {
        [[C:\Users\bob\AppData\Local\Temp\a.exe]], [[%APPDATA%\a.exe]], [[%LOCALAPPDATA%\a.exe]],
        [[%TEMP%\a.exe]], [[C:\Windows\Temp\a.exe]], [[%PUBLIC%\a.exe]], [[C:\$Recycle.Bin\a.exe]],
        [[C:\DOCUME~1\bob\LOCALS~1\Temp\a.exe]], [[C:\RECYCLER\a.exe]], [[C:\Users\Public\Libraries\a.exe]],
        [["C:\Users\bob\Desktop\my tool\a.exe" -x]],
      } do
        assert.is_table(fires(R, svc { image_path = p }), p)
      end
    end)
    it("fires on user-writable directories inside Windows", function()
      for _, p in ipairs {
        [[C:\Windows\Tasks\a.exe]], [[%SystemRoot%\System32\Tasks\a.exe]], [[C:\Windows\tracing\a.exe]],
        [[%windir%\system32\spool\drivers\color\a.exe]], [[C:\Windows\debug\a.exe]],
        [[C:\Windows\System32\..\Temp\a.exe]], [[\??\C:\Windows\Temp\a.sys]],
      } do
        assert.is_table(fires(R, svc { image_path = p }), p)
      end
    end)
    it("fires on a ServiceDll in a profile", function()
      local f = fires(R, shared { service_dll = [[C:\Users\bob\AppData\Roaming\x.dll]] })
      assert.equal("service_dll", f.evidence.field)
      assert.equal([[C:\Users\bob\AppData\Roaming\x.dll]], f.evidence.path)
    end)
    it("fires on the DLL rundll32 is told to run", function()
      local f = fires(R, svc { image_path = [[rundll32.exe C:\Users\bob\x.dll,Start]] })
      assert.equal("interpreter payload", f.evidence.role)
    end)
    it("stays quiet for Program Files and System32, even with Temp in the arguments", function()
      assert.is_nil(fires(R, svc { image_path = [["C:\Program Files\V\v.exe" -log C:\Windows\Temp\v.log]] }))
      assert.is_nil(fires(R, svc { image_path = [[C:\Program Files\V\v.exe --cache %TEMP%\v]] }))
      assert.is_nil(fires(R, svc { image_path = [[%SystemRoot%\system32\spool\drivers\x64\3\a.exe]] }))
      assert.is_nil(fires(R, svc { image_path = [[C:\Windows\System32\Tasksched.exe]] }))
    end)
    it("leaves XP's All Users profile to path-programdata", function()
      local row = svc { image_path = [[C:\Documents and Settings\All Users\Application Data\x.exe]] }
      assert.is_nil(fires(R, row))
      assert.is_table(fires("path-programdata", row))
    end)
  end)

  describe("path-programdata", function()
    local R = "path-programdata"
    it("fires under ProgramData in any spelling", function()
      for _, p in ipairs { [[C:\ProgramData\x\a.exe]], [[%ProgramData%\a.exe]], [[%ALLUSERSPROFILE%\a.exe]],
                           [[C:\PROGRA~3\a.exe]] } do
        assert.is_table(fires(R, svc { image_path = p }), p)
      end
    end)
    it("stays quiet elsewhere and for Defender's platform directory", function()
      assert.is_nil(fires(R, svc { image_path = [[C:\Program Files\x\a.exe]] }))
      assert.is_nil(fires(R, svc {
        image_path = [["C:\ProgramData\Microsoft\Windows Defender\platform\4.12.17007.18022-0\MsMpEng.exe"]] }))
    end)
    it("is a soft signal: alone it stays low", function()
      local f = fires(R, svc { image_path = [[C:\ProgramData\Vendor\agent.exe]] })
      assert.equal("low", f.severity)
    end)
  end)

  describe("path-windows-root", function()
    local R = "path-windows-root"
    it("fires on a binary directly in the Windows directory", function()
      assert.is_table(fires(R, svc { image_path = [[%SystemRoot%\evil.exe]] }))
      assert.is_table(fires(R, svc { image_path = [[\\127.0.0.1\ADMIN$\a1b2c3d.exe]] }))
      assert.is_table(fires(R, shared { service_dll = [[C:\Windows\x.dll]] }))
    end)
    it("stays quiet for System32 and subdirectories of Windows", function()
      assert.is_nil(fires(R, svc { image_path = [[%SystemRoot%\System32\a.exe]] }))
      assert.is_nil(fires(R, svc { image_path = [[%SystemRoot%\servicing\TrustedInstaller.exe]] }))
      -- a bare DLL name is found through System32 by the loader
      assert.is_nil(fires(R, shared { service_dll = "winhttp.dll" }))
    end)
  end)

  describe("svchost-dll-outside-system32", function()
    local R = "svchost-dll-outside-system32"
    it("fires on a swapped ServiceDll", function()
      local f = fires(R, shared { service_dll = [[C:\Program Files\Common Files\x.dll]] })
      assert.equal([[c:\program files\common files\x.dll]], f.evidence.normalized)
      assert.equal("Parameters", f.evidence.source)
      assert.is_table(fires(R, shared { service_dll = [[%SystemRoot%\System32\..\x.dll]] }))
      assert.is_table(fires(R, shared { svchost_group = NONE, service_dll = [[C:\x\y.dll]] }))
    end)
    it("stays quiet inside System32 and SysWOW64 and for non-shared services", function()
      assert.is_nil(fires(R, shared {}))
      assert.is_nil(fires(R, shared { service_dll = [[%SystemRoot%\system32\wbem\WMIsvc.dll]] }))
      assert.is_nil(fires(R, shared { service_dll = [[C:\Windows\SysWOW64\x.dll]] }))
      assert.is_nil(fires(R, shared { service_dll = [[C:\Windows\system32\spool\drivers\x64\3\PrintConfig.dll]] }))
      assert.is_nil(fires(R, svc { service_dll = [[C:\x\y.dll]] }))
    end)
  end)

  describe("svchost-group-unknown", function()
    local R = "svchost-group-unknown"
    it("fires on a group SOFTWARE does not define", function()
      local f = fires(R, shared { image_path = [[%SystemRoot%\system32\svchost.exe -k evilgroup]], svchost_group = "evilgroup" },
        { svchost = SVCHOST })
      assert.equal("evilgroup", f.evidence.group)
    end)
    it("parses the group from ImagePath when the row lacks it", function()
      assert.is_table(fires(R, shared { image_path = [[C:\Windows\System32\svchost.exe -k evil -p]], svchost_group = NONE },
        { svchost = SVCHOST }))
    end)
    it("compares group names without case", function()
      assert.is_nil(fires(R, shared { svchost_group = "NETSVCS" }, { svchost = SVCHOST }))
    end)
    it("stays silent without SOFTWARE, and says so once", function()
      local rows = { shared { name = "A", svchost_group = "evil" }, shared { name = "B", svchost_group = "evil2" } }
      local fs = run(rows)
      assert.is_nil(by_rule(fs)[R])
      assert.is_nil(by_rule(fs)["svchost-group-nonmember"])
      assert.equal(1, #warnings)
      assert.truthy(warnings[1]:find("SOFTWARE", 1, true))
    end)
  end)

  describe("svchost-group-nonmember", function()
    local R = "svchost-group-nonmember"
    it("fires on a service its group does not list", function()
      local f = fires(R, shared { name = "Intruder" }, { svchost = SVCHOST })
      assert.equal("netsvcs", f.evidence.group)
      assert.equal(3, f.evidence.members)
      -- a service named like an internal field is still judged
      assert.is_table(fires(R, shared { name = "_count" }, { svchost = SVCHOST }))
      assert.is_nil(fires("svchost-group-unknown", shared { name = "Intruder" }, { svchost = SVCHOST }))
    end)
    it("stays quiet for members, in any case, and for per-user instances of a member", function()
      assert.is_nil(fires(R, shared { name = "bits" }, { svchost = SVCHOST }))
      local tmpl = shared { name = "CDPUserSvc", type = 0x60, type_name = "user_share_process", svchost_group = "UnistackSvcGroup" }
      local inst = shared { name = "CDPUserSvc_1d05b", type = 0xE0, type_name = "unknown(224)", svchost_group = "UnistackSvcGroup" }
      local fs = run({ tmpl, inst }, { svchost = SVCHOST })
      assert.is_nil(by_rule(fs)[R])
    end)
  end)

  describe("objectname-nonstandard", function()
    local R = "objectname-nonstandard"
    it("fires on a named user account", function()
      local f = fires(R, svc { object_name = [[CORP\backup]] })
      assert.equal([[CORP\backup]], f.evidence.object_name)
      assert.equal("low", f.severity)
      assert.is_table(fires(R, svc { object_name = [[.\Administrator]] }))
    end)
    it("rates a Windows service under a named account medium", function()
      local f = fires(R, svc { name = "Spooler", image_path = [[%SystemRoot%\System32\spoolsv.exe]],
                               object_name = [[WS-CLEAN\helpdesk]] })
      assert.equal("medium", f.severity)
      assert.is_true(f.evidence.windows_service)
      assert.equal("medium", fires(R, shared { object_name = [[CORP\x]] }).severity)
    end)
    it("stays quiet for the built-in and virtual accounts, drivers and a missing value", function()
      for _, a in ipairs { "LocalSystem", "localSystem", [[NT AUTHORITY\LocalService]], [[NT Authority\NetworkService]],
                           [[NT AUTHORITY\networkService]], [[NT SERVICE\MSSQLSERVER]] } do
        assert.is_nil(fires(R, svc { object_name = a }), a)
      end
      assert.is_nil(fires(R, driver { name = "WUDFRd", object_name = [[\Driver\WudfRd]],
                                      image_path = [[system32\drivers\WUDFRd.sys]] }))
      assert.is_nil(fires(R, svc { object_name = NONE }))
    end)
  end)

  describe("name-random", function()
    local R = "name-random"
    it("fires on generated names", function()
      for _, n in ipairs { "a1b2c3d4", "7ef9b1a0", "ZBvqGkRkQlGdmrWC", "xkqzvbnm", "{6AAFC9A9-0542-4DB2-8760-CCFFA953737C}" } do
        assert.is_table(fires(R, svc { name = n }), n)
      end
    end)
    it("fires on a generated binary name", function()
      local f = fires(R, svc { name = "Updater", image_path = [[%SystemRoot%\qxzkvjwp.exe]] })
      assert.equal("qxzkvjwp", f.evidence.name)
    end)
    it("rates a generated name medium outside System32, low inside", function()
      local f = fires(R, svc { name = "qzvwkhmtrx", image_path = [["C:\Program Files\Common Files\qzvwkhmtrx.exe"]] })
      assert.equal("medium", f.severity)
      assert.is_true(f.evidence.outside_windows_dirs)
      assert.equal("low", fires(R, driver { name = "xkqzvbnm", image_path = [[system32\drivers\xkqzvbnm.sys]] }).severity)
    end)
    it("stays quiet for Windows' abbreviations and per-user instances", function()
      for _, n in ipairs { "wzcsvc", "AeLookupSvc", "clr_optimization_v4.0.30319_32", "1394ohci", "iaLPSS2i_GPIO2",
                           "NVDisplay.ContainerLocalSystem", "MpsSvc", "LanmanWorkstation", "b57nd60x", "WinDefend" } do
        assert.is_nil(fires(R, svc { name = n }), n)
      end
      -- driver-store packages keep terse vendor names (allowlisted)
      assert.is_nil(fires(R, driver { name = "nvlddmkm",
        image_path = [[\SystemRoot\System32\DriverStore\FileRepository\nv_dispsi.inf_amd64_1\nvlddmkm.sys]] }))
      local tmpl = shared { name = "WpnUserService", type = 0x60, type_name = "user_share_process" }
      local inst = shared { name = "WpnUserService_1d05b", type = 0xE0 }
      assert.is_nil(by_rule(run({ tmpl, inst }))[R])
    end)
    it("ignores keys that define no service", function()
      assert.is_nil(fires(R, { name = "{02E6ECEC-3B8D-4DB3-AD37-051418F262D0}", control_set = "ControlSet001",
                               key = [[ControlSet001\Services\{02E6ECEC-3B8D-4DB3-AD37-051418F262D0}]] }))
    end)
  end)

  describe("binary-impersonation", function()
    local R = "binary-impersonation"
    it("fires on a system binary's name outside its directory", function()
      local f = fires(R, svc { image_path = [[C:\Windows\svchost.exe -k netsvcs]] })
      assert.equal("svchost.exe", f.evidence.imitates)
      assert.is_table(fires(R, svc { image_path = [[C:\ProgramData\lsass.exe]] }))
      assert.is_table(fires(R, svc { image_path = [[C:\Windows\System32\evil\svchost.exe]] }))
    end)
    it("fires on near-miss spellings", function()
      for _, p in ipairs { [[C:\Windows\scvhost.exe]], [[C:\Users\x\svch0st.exe]], [[C:\Temp\lsasss.exe]] } do
        local f = fires(R, svc { image_path = p })
        assert.is_table(f, p)
        assert.is_true(f.evidence.near_miss)
      end
    end)
    it("stays quiet for the real files and unrelated names", function()
      assert.is_nil(fires(R, svc { image_path = [[%SystemRoot%\system32\svchost.exe -k netsvcs]] }))
      assert.is_nil(fires(R, svc { image_path = [[%SystemRoot%\SysWOW64\svchost.exe -k x]] }))
      assert.is_nil(fires(R, svc { image_path = [[%systemroot%\system32\wbem\wmiprvse.exe]] }))
      assert.is_nil(fires(R, svc { image_path = [["C:\ProgramData\Microsoft\Windows Defender\platform\4.18.1-0\MsMpEng.exe"]] }))
      -- NT4's spooler is spoolss.exe in System32: a near miss of spoolsv, but at home
      assert.is_nil(fires(R, svc { image_path = [[%SystemRoot%\system32\spoolss.exe]] }))
      assert.is_nil(fires(R, svc { image_path = [[C:\Program Files\V\vendorsvc.exe]] }))
    end)
  end)

  describe("interpreter-command", function()
    local R = "interpreter-command"
    it("fires on cmd, PowerShell, rundll32, mshta, script hosts and scripts", function()
      for _, p in ipairs {
        [[%COMSPEC% /b /c start /b /min powershell -nop -w hidden -encodedcommand SQBFAFgA]],
        [[C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe -enc SQBFAFgA]],
        [[rundll32.exe C:\x\y.dll,Entry]], [[mshta.exe http://x/y.hta]], [[wscript.exe C:\x\a.vbs]],
        [[regsvr32 /s /u /i:http://x/a.sct scrobj.dll]], [[C:\Windows\a.bat]], [["C:\x\run.ps1"]],
      } do
        assert.is_table(fires(R, svc { image_path = p }), p)
      end
    end)
    it("reports encoded-command markers and the payload", function()
      local f = fires(R, svc { image_path = [[%COMSPEC% /b /c start /b /min powershell -nop -w hidden -encodedcommand SQBFAFgA]] })
      assert.equal("cmd", f.evidence.interpreter)
      assert.truthy(table.concat(f.evidence.markers, ","):find("-encodedcommand", 1, true))
      local g = fires(R, svc { image_path = [[rundll32.exe C:\x\y.dll,Entry]] })
      assert.equal([[c:\x\y.dll]], g.evidence.payload)
    end)
    it("stays quiet for ordinary programs, COM+ dllhost and the Installer", function()
      assert.is_nil(fires(R, svc { image_path = [[%SystemRoot%\system32\dllhost.exe /Processid:{02D4B3F1-FD88-11D1-960D-00805FC79235}]] }))
      assert.is_nil(fires(R, svc { image_path = [[%systemroot%\system32\msiexec.exe /V]] }))
      assert.is_nil(fires(R, svc { image_path = [["C:\Program Files\V\v.exe" -cmd cmd.exe]] }))
    end)
  end)

  describe("security-service-disabled", function()
    local R = "security-service-disabled"
    it("fires on a security product set to Start=4", function()
      local f = fires(R, svc { name = "WinDefend", start = 4, start_name = "disabled" })
      assert.equal("Microsoft Defender Antivirus", f.evidence.product)
      assert.is_table(fires(R, svc { name = "Sysmon64", start = 4 }))
      assert.is_table(fires(R, svc { name = "EventLog", start = 4 }))
    end)
    it("stays quiet for the running product and for other disabled services", function()
      assert.is_nil(fires(R, svc { name = "WinDefend", start = 3 }))
      assert.is_nil(fires(R, svc { name = "Fax", start = 4 }))
      assert.is_nil(fires(R, svc { name = "WinDefend", start = NONE, start_name = "missing" }))
    end)
  end)

  describe("known-tool", function()
    local R = "known-tool"
    it("fires on PsExec and kin by name or binary", function()
      assert.equal("PsExec", fires(R, svc { name = "PSEXESVC", image_path = [[%SystemRoot%\PSEXESVC.EXE]] }).evidence.tool)
      assert.is_table(fires(R, svc { name = "PAExec-1234-HOST", image_path = [[%SystemRoot%\PAExec-1234-HOST.exe]] }))
      assert.is_table(fires(R, svc { name = "RemComSvc" }))
      assert.is_table(fires(R, svc { name = "Updater", image_path = [[C:\Windows\winexesvc.exe]] }))
      assert.is_table(fires(R, driver { name = "mimidrv", image_path = [[\??\C:\x\mimidrv.sys]] }))
    end)
    it("stays quiet for ordinary services", function()
      assert.is_nil(fires(R, svc { name = "Spooler", image_path = [[%SystemRoot%\System32\spoolsv.exe]] }))
      assert.is_nil(fires(R, svc { name = "PsTools-notes" }))
    end)
    it("finds tools an analyst adds, however short their patterns' literal starts", function()
      -- the rule skips rows by the patterns' shared literal start: a short
      -- or quantified start shortens (or drops) that shortcut
      local tools = services.data.KNOWN_TOOLS
      local n = #tools
      tools[n + 1] = { tool = "Short", names = { "^ab%d" }, files = { "^zz.*%.exe$" } }
      local ok, err = pcall(function()
        assert.equal("Short", fires(R, svc { name = "ab7" }).evidence.tool)
        assert.equal("Short", fires(R, svc { name = "Updater", image_path = [[C:\x\zz1.exe]] }).evidence.tool)
        assert.equal("PsExec", fires(R, svc { name = "PSEXESVC" }).evidence.tool)
        assert.is_nil(fires(R, svc { name = "abc" }))
        tools[n + 2] = { tool = "Starred", names = { "^qx*y" }, files = {} }
        assert.equal("Starred", fires(R, svc { name = "qy" }).evidence.tool)
      end)
      tools[n + 2], tools[n + 1] = nil, nil
      assert(ok, err)
    end)
  end)

  describe("unquoted-path", function()
    local R = "unquoted-path"
    it("fires on an unquoted path with spaces and lists the hijack candidates", function()
      local f = fires(R, svc { image_path = [[C:\Program Files\My App\svc.exe -run]] })
      assert.equal("T1574.009", f.technique)
      assert.equal("medium", f.severity)
      assert.same({ [[c:\program.exe]], [[c:\program files\my.exe]] }, f.evidence.hijack_candidates)
    end)
    it("rates it high when a user can create a hijack candidate", function()
      local f = fires(R, svc { image_path = [[C:\Users\Public\Vendor Tools\svc.exe]] })
      assert.equal("high", f.severity)
      assert.equal([[c:\users\public\vendor.exe]], f.evidence.writable_candidate)
    end)
    it("stays quiet when quoted, without spaces, or for drivers", function()
      assert.is_nil(fires(R, svc { image_path = [["C:\Program Files\My App\svc.exe" -run]] }))
      assert.is_nil(fires(R, svc { image_path = [[%SystemRoot%\system32\svchost.exe -k netsvcs]] }))
      assert.is_nil(fires(R, driver { image_path = [[\??\C:\Program Files\VMware\VMware Tools\vmrawdsk.sys]] }))
    end)
  end)

  describe("failure-command", function()
    local R = "failure-command"
    it("fires on a recovery program", function()
      local f = fires(R, svc { failure_command = [[C:\Users\Public\r.exe -x]] })
      assert.equal([[c:\users\public\r.exe]], f.evidence.normalized)
      local g = fires(R, svc { failure_command = [[cmd.exe /c C:\Windows\Temp\x.bat]] })
      assert.equal([[c:\windows\temp\x.bat]], g.evidence.payload)
    end)
    it("is high when the program (or the script it runs) is in a user-writable directory", function()
      local f = fires(R, svc { failure_command = [[C:\Users\Public\r.exe -x]] })
      assert.equal("high", f.severity)
      assert.equal([[c:\users]], f.evidence.user_writable)
      assert.equal("high", fires(R, svc { failure_command = [[cmd.exe /c C:\Windows\Temp\x.bat]] }).severity)
      assert.equal("medium", fires(R, svc { failure_command = [[C:\Program Files\Vendor\recover.exe]] }).severity)
      assert.equal("medium", fires(R, svc { failure_command = [[C:\ProgramData\Vendor\recover.exe]] }).severity)
    end)
    it("stays quiet without one, and for Windows' and NVIDIA's stock commands", function()
      assert.is_nil(fires(R, svc {}))
      assert.is_nil(fires(R, svc { failure_command = "" }))
      assert.is_nil(fires(R, svc { name = "MSiSCSI", failure_command = "customScript.cmd" }))
      assert.is_nil(fires(R, svc { name = "WEPHOSTSVC", failure_command = "not used" }))
      assert.is_nil(fires(R, svc { name = "WinDefend",
        failure_command = [[C:\Windows\system32\mrt.exe /EHB /ServiceFailure "CAMP=4.12" /StartService /Defender /q]] }))
      assert.is_nil(fires(R, svc { name = "NVDisplay.ContainerLocalSystem",
        failure_command = [[cmd.exe /C %windir%\NvContainerRecovery.bat NVDisplay.ContainerLocalSystem C:\ProgramData\NVIDIA\x.log]] }))
    end)
  end)

  describe("driver-outside-drivers", function()
    local R = "driver-outside-drivers"
    it("fires on a driver loaded from elsewhere", function()
      assert.is_table(fires(R, driver { image_path = [[\??\C:\Windows\Temp\x.sys]] }))
      assert.is_table(fires(R, driver { image_path = [[\??\C:\Windows\system32\Mnemosynei386.sys]] }))
      assert.is_table(fires(R, driver { type = 2, type_name = "filesystem_driver", image_path = [[C:\x\fs.sys]] }))
    end)
    it("stays quiet for every stock spelling, the driver store and a missing ImagePath", function()
      for _, p in ipairs { [[\SystemRoot\System32\drivers\afd.sys]], [[system32\DRIVERS\atapi.sys]],
                           [[System32\drivers\wd\WdFilter.sys]], [[\??\C:\Windows\system32\drivers\x.sys]],
                           [[\SystemRoot\System32\DriverStore\FileRepository\nvdm.inf_amd64_7\nvlddmkm.sys]],
                           [[System32\CLFS.sys]] } do
        assert.is_nil(fires(R, driver { image_path = p }), p)
      end
      assert.is_nil(fires(R, driver { image_path = NONE }))
      assert.is_nil(fires(R, svc { image_path = [[C:\x\y.exe]] }))
    end)
  end)
end)

describe("scoring", function()
  it("bands scores", function()
    assert.equal("info", policy.band(0))
    assert.equal("low", policy.band(2))
    assert.equal("medium", policy.band(4))
    assert.equal("high", policy.band(8))
    assert.equal("critical", policy.band(12))
  end)

  it("sums a row's weights into every finding of that row", function()
    local fs = run({ svc { name = "Evil", image_path = [[C:\Users\Public\svchost.exe]] } })
    local r = by_rule(fs, "Evil")
    assert.is_table(r["path-user-writable"])
    assert.is_table(r["binary-impersonation"])
    assert.equal(12, r["path-user-writable"].score)
    assert.equal(12, r["binary-impersonation"].score)
    assert.equal("critical", r["path-user-writable"].severity)
  end)

  it("never rates a finding below its rule's severity", function()
    local f = fires("path-user-writable", svc { image_path = [[C:\Windows\Temp\x.exe]] })
    assert.equal(6, f.score)
    assert.equal("high", f.severity)
  end)

  it("rates PSEXESVC medium or above", function()
    local fs = run({ svc { name = "PSEXESVC", display_name = "PsExec", start = 3, image_path = [[%SystemRoot%\PSEXESVC.EXE]] } })
    local r = by_rule(fs, "PSEXESVC")
    assert.is_table(r["known-tool"])
    assert.is_table(r["path-windows-root"])
    assert.is_true(RANK[worst(fs, "PSEXESVC")] >= RANK.medium)
  end)

  it("sorts by score, then newest LastWrite, then name, then rule", function()
    local rows = {
      svc { name = "B", image_path = [[C:\ProgramData\b.exe]], last_write = "2020-01-01T00:00:00Z", last_write_epoch = 1577836800 },
      svc { name = "A", image_path = [[C:\ProgramData\a.exe]], last_write = "2020-01-01T00:00:00Z", last_write_epoch = 1577836800 },
      svc { name = "C", image_path = [[C:\ProgramData\c.exe]], last_write = "2021-01-01T00:00:00Z", last_write_epoch = 1609459200 },
      svc { name = "D", image_path = [[C:\Users\x\svchost.exe]] },
      svc { name = "E", image_path = [[C:\ProgramData\e.exe]], last_write = NONE, last_write_epoch = NONE },
    }
    local fs = run(rows)
    local got = {}
    for _, f in ipairs(fs) do got[#got + 1] = f.service .. ":" .. f.rule end
    assert.same({ "D:binary-impersonation", "D:path-user-writable",
                  "C:path-programdata", "A:path-programdata", "B:path-programdata", "E:path-programdata" }, got)
    -- a live service sorts before a deleted one recovered under its name
    -- at equal score (service-deleted, which would lift the deleted one, is
    -- left out so the scores tie)
    local live = svc { name = "P", image_path = [[C:\ProgramData\p.exe]] }
    local dead = svc { name = "P", image_path = [[C:\ProgramData\p.exe]], recovered = true }
    local tie = services.extend { disable = { "service-deleted" } }
    for _, order in ipairs { { live, dead }, { dead, live } } do
      local fs = run(order, nil, tie)
      assert.is_nil(fs[1].recovered)
      assert.is_true(fs[2].recovered)
    end
    -- input order does not matter
    local rev = {}
    for i = #rows, 1, -1 do rev[#rev + 1] = rows[i] end
    local again = {}
    for _, f in ipairs(run(rev)) do again[#again + 1] = f.service .. ":" .. f.rule end
    assert.same(got, again)
  end)
end)

describe("legitimate Windows oddities stay below high", function()
  local cases = {
    { "WinDefend's ServiceDll under Program Files (Windows 7)",
      shared { name = "WinDefend", image_path = [[%SystemRoot%\System32\svchost.exe -k secsvcs]], svchost_group = "secsvcs",
               service_dll = [[%ProgramFiles%\Windows Defender\mpsvc.dll]], start = 3 } },
    { "helpsvc's ServiceDll under PCHealth (XP)",
      shared { name = "helpsvc", image_path = [[%SystemRoot%\System32\svchost.exe -k netsvcs]],
               service_dll = [[%WINDIR%\PCHealth\HelpCtr\Binaries\pchsvc.dll]] } },
    { "Defender's random-looking driver under ProgramData (Windows 10)",
      driver { name = "MpKslb17392d7", start = 1, image_path =
        [[\??\C:\ProgramData\Microsoft\Windows Defender\Definition Updates\{D04C61E7-0810-4ADB-8675-B55F469E20CF}\MpKslb17392d7.sys]] } },
    { "Defender under ProgramData (Windows 10)",
      svc { name = "WinDefend", image_path = [["C:\ProgramData\Microsoft\Windows Defender\platform\4.12.17007.18022-0\MsMpEng.exe"]],
            failure_command = [[C:\Windows\system32\mrt.exe /EHB /ServiceFailure "x" /StartService /Defender /q]] } },
    { "the NVIDIA container service",
      svc { name = "NVDisplay.ContainerLocalSystem", image_path =
        [["C:\Program Files\NVIDIA Corporation\Display.NvContainer\NVDisplay.Container.exe" -s NVDisplay.ContainerLocalSystem -f "C:\ProgramData\NVIDIA\NVDisplay.ContainerLocalSystem.log" -l 3 -d "C:\Program Files\NVIDIA Corporation\Display.NvContainer\plugins\LocalSystem"]],
        failure_command = [[cmd.exe /C %windir%\NvContainerRecovery.bat NVDisplay.ContainerLocalSystem C:\ProgramData\NVIDIA\NvContainerRecoveryNVDisplay.ContainerLocalSystem.log]] } },
    { "a per-user service instance",
      shared { name = "OneSyncSvc_1d05b", type = 0xE0, image_path = [[C:\Windows\system32\svchost.exe -k UnistackSvcGroup]],
               svchost_group = "UnistackSvcGroup", service_dll = [[%SystemRoot%\System32\APHostService.dll]] } },
    { "COM+ dllhost",
      svc { name = "COMSysApp", start = 3, image_path = [[%SystemRoot%\system32\dllhost.exe /Processid:{02D4B3F1-FD88-11D1-960D-00805FC79235}]] } },
    { "a \\SystemRoot\\ driver", driver { name = "afd", image_path = [[\SystemRoot\system32\drivers\afd.sys]] } },
    { "a system32\\DRIVERS driver", driver { name = "atapi", image_path = [[system32\DRIVERS\atapi.sys]] } },
    { "a driver without ImagePath", driver { name = "Beep", image_path = NONE } },
    { "the driver-store driver", driver { name = "nvlddmkm", image_path =
        [[\SystemRoot\System32\DriverStore\FileRepository\nvdm.inf_amd64_72f356f138a86324\nvlddmkm.sys]] } },
    { "F-Response's bare program name", svc { name = "FResponse Service", start = 3, image_path = "f-response-ent.exe" } },
    { "VMware Tools' driver", driver { name = "vmrawdsk", start = 4, image_path = [[\??\C:\Program Files\VMware\VMware Tools\vmrawdsk.sys]] } },
  }
  for _, c in ipairs(cases) do
    it(c[1], function()
      local input_rows = { c[2] }
      if c[2].name == "OneSyncSvc_1d05b" then
        input_rows[2] = shared { name = "OneSyncSvc", type = 0x60, svchost_group = "UnistackSvcGroup",
                                 image_path = [[C:\Windows\system32\svchost.exe -k UnistackSvcGroup]] }
      end
      for _, sv in ipairs { false, true } do
        local fs = run(input_rows, sv and { svchost = {
          groups = { secsvcs = { "WinDefend" }, netsvcs = { "helpsvc" }, UnistackSvcGroup = { "OneSyncSvc" } } } } or nil)
        local w = worst(fs, c[2].name)
        assert.is_true(w == nil or RANK[w] < RANK.high, c[1] .. ": " .. tostring(w))
      end
    end)
  end
end)

describe("extend", function()
  local paexec = { id = "local-paexec", technique = "T1543.003", severity = "high",
                   message = "PAExec service binary",
                   match = function(svc_row) return (svc_row.image_path or ""):lower():find("paexec", 1, true) end }

  it("adds rules, with the default weight of their severity", function()
    local p = services.extend { rules = { paexec } }
    local row = svc { name = "X", image_path = [[C:\Tools\PAExec\svc.exe]] }
    local f = by_rule(run({ row }, nil, p), "X")["local-paexec"]
    assert.is_table(f)
    assert.equal(policy.DEFAULT_WEIGHT.high, f.score)
    assert.equal("high", f.severity)
    assert.same({}, f.evidence)
    -- the shipped policy is untouched
    assert.same({}, run({ row }))
  end)

  it("replaces a rule with the same id", function()
    local p = services.extend { rules = { { id = "name-random", technique = "T1543.003", severity = "info",
      message = "every name", match = function() return { always = true } end } } }
    local f = by_rule(run({ svc { name = "Spooler" } }, nil, p), "Spooler")["name-random"]
    assert.is_true(f.evidence.always)
    local n = 0
    for _, r in ipairs(p.rules) do if r.id == "name-random" then n = n + 1 end end
    assert.equal(1, n)
  end)

  it("disables rules", function()
    local p = services.extend { disable = { "path-programdata" } }
    assert.same({}, run({ svc { image_path = [[C:\ProgramData\x.exe]] } }, nil, p))
  end)

  it("re-weights rules", function()
    local p = services.extend { weights = { ["path-programdata"] = 5 } }
    local f = by_rule(run({ svc { image_path = [[C:\ProgramData\x.exe]] } }, nil, p))["path-programdata"]
    assert.equal(5, f.score)
    assert.equal("medium", f.severity)
  end)

  it("allowlists by service, by path pattern and by directory", function()
    local row = svc { name = "IntelGfxHelper", image_path = [[C:\ProgramData\Intel\gfx.exe]] }
    for _, a in ipairs {
      { rule = "path-programdata", service = "intelgfxhelper" },
      { rule = "*", service = "IntelGfxHelper" },
      { rule = "path-programdata", path = [[^c:\programdata\intel\]] },
      { rule = "path-programdata", dir = [[%ProgramData%\Intel]] },
    } do
      assert.same({}, run({ row }, nil, services.extend { allow = { a } }))
    end
    -- an entry for another service or path leaves the finding
    assert.equal(1, #run({ row }, nil, services.extend { allow = { { rule = "path-programdata", service = "Other" } } }))
    assert.equal(1, #run({ row }, nil, services.extend { allow = { { rule = "path-programdata", path = "nvidia" } } }))
    assert.equal(1, #run({ row }, nil, services.extend { allow = { { rule = "path-windows-root", service = "IntelGfxHelper" } } }))
  end)

  it("allowlisted rules do not count towards the row's score", function()
    local row = svc { name = "Evil", image_path = [[C:\Users\Public\svchost.exe]] }
    local p = services.extend { allow = { { rule = "binary-impersonation", service = "Evil" } } }
    local f = by_rule(run({ row }, nil, p), "Evil")["path-user-writable"]
    assert.equal(6, f.score)
  end)

  it("keeps the shipped data tables readable on an extended policy", function()
    local p = services.extend { disable = { "name-random" } }
    assert.equal(services.data, p.data)
    assert.is_function(p.random_reason)
    assert.is_nil(p.random_reason("LanmanServer"))
    assert.is_string(p.random_reason("qxzkvjwp"))
  end)

  it("chains", function()
    local p = services.extend { disable = { "name-random" } }.extend { weights = { ["known-tool"] = 1 } }
    local fs = run({ svc { name = "PSEXESVC", image_path = [["C:\Program Files\x\psexesvc.exe"]] } }, nil, p)
    assert.equal(1, by_rule(fs)["known-tool"].score)
  end)

  local bad = {
    { nil, "extend: expected a table, got nil" },
    { { rule = {} }, "extend: unknown field 'rule'" },
    { { rules = { paexec, { technique = "x", severity = "low", message = "m", match = print } } },
      "extend: rules[2].id must be a string" },
    { { rules = { { id = "x", severity = "low", message = "m", match = print } } },
      "extend: rules[1] (x).technique must be a string" },
    { { rules = { { id = "x", technique = "T1", severity = "severe", message = "m", match = print } } },
      "extend: rules[1] (x).severity must be one of" },
    { { rules = { { id = "x", technique = "T1", severity = "low", message = "m" } } },
      "extend: rules[1] (x) needs exactly one of match" },
    { { rules = { { id = "x", technique = "T1", severity = "low", message = "m", match = "yes" } } },
      "extend: rules[1] (x).match must be a function" },
    { { rules = { { id = "x", technique = "T1", severity = "low", message = "m", match = print, weight = -1 } } },
      "extend: rules[1] (x).weight must be a finite number" },
    { { rules = { { id = "x", technique = "T1", severity = "low", message = "two\nlines", match = print } } },
      "extend: rules[1] (x).message must be one line" },
    { { rules = { { id = "x", technique = "T1", severity = "low", message = "m", match = print, sevrity = "low" } } },
      "extend: rules[1] has unknown field 'sevrity'" },
    { { disable = { "no-such-rule" } }, "extend: disable[1] names no rule: 'no-such-rule'" },
    { { disable = { 3 } }, "extend: disable[1] must be a string" },
    { { weights = { ["no-such-rule"] = 1 } }, "extend: weights names no rule: 'no-such-rule'" },
    { { weights = { ["name-random"] = "high" } }, "extend: weights['name-random'] must be a finite number" },
    { { allow = { { rule = "path-programdata" } } }, "extend: allow[1] needs service, task, path or dir" },
    { { allow = { { service = "x" } } }, "extend: allow[1].rule must be a string" },
    { { allow = { { rule = "nope", service = "x" } } }, "extend: allow[1].rule names no rule: 'nope'" },
    { { allow = { { rule = "*", path = "[unclosed" } } }, "extend: allow[1].path is not a valid Lua pattern" },
    { { allow = { { rule = "*", service = 7 } } }, "extend: allow[1].service must be a string" },
  }
  for i, c in ipairs(bad) do
    it("rejects bad spec #" .. i .. ": " .. c[2], function()
      local ok, err = pcall(services.extend, c[1])
      assert.is_false(ok)
      assert.truthy(tostring(err):find(c[2], 1, true), tostring(err))
    end)
  end

  it("points a validation error at the caller's line", function()
    -- (not a tail call: `return services.extend{}` leaves no caller frame)
    local ok, err = pcall(function() local p = services.extend { disable = { "nope" } }; return p end)
    assert.is_false(ok)
    assert.truthy(err:find("services_rules_spec.lua:%d+: extend: disable%[1%]"), err)
  end)
end)

describe("hostile values", function()
  it("cost linear time: 200 KB ImagePaths full of spaces, long names", function()
    local spaces = [[C:\]] .. string.rep("a ", 100000) .. "x.exe"
    local switches = [[C:\]] .. string.rep("b ", 100000)
    local rows = {
      svc { name = "S1", image_path = spaces },
      svc { name = "S2", image_path = switches, failure_command = switches },
      svc { name = string.rep("Qz", 50000), image_path = [[rundll32.exe ]] .. string.rep("c,", 50000) },
      svc { name = "S4", image_path = string.rep("%", 100000), service_dll = string.rep("..\\", 50000) .. "x.dll",
            object_name = string.rep(" ", 100000) },
      shared { name = "S5", service_dll = string.rep("\\", 100000) },
      -- long runs inside a value defeat naive trailing-space patterns
      svc { name = "S6", image_path = [[C:\x]] .. string.rep(" ", 100000) .. "y",
            object_name = "x" .. string.rep(" ", 100000) .. "y",
            failure_command = "a" .. string.rep(" ", 100000) .. "b" },
      svc { name = "S7", image_path = [[C:\x]] .. string.rep(". ", 50000) .. [[y.\z.exe]],
            service_dll = "a" .. string.rep(".", 100000) .. "b." },
    }
    local t0 = os.clock()
    local fs = run(rows)
    assert.is_true(os.clock() - t0 < 2, "took " .. (os.clock() - t0) .. " s")
    local r = by_rule(fs, "S1")["unquoted-path"]
    assert.is_table(r)
    assert.is_true(#r.evidence.hijack_candidates <= 16)
  end)

  it("cost linear time on long random values from awkward alphabets", function()
    -- each alphabet once broke a pattern or loop that was quadratic
    local alphabets = { " .", "\\ ", "%a", '"  ', ".\\", "a_", "a-/", " ,", "~\\1", "{-}", "aA", "q ", "\t\n ", "\\?.:" }
    math.randomseed(7)
    for _, al in ipairs(alphabets) do
      local t = {}
      for i = 1, 30000 do
        local k = math.random(#al)
        t[i] = al:sub(k, k)
      end
      for _, v in ipairs { table.concat(t), [[C:\x]] .. string.rep(al, 30000 // #al) .. "y.exe" } do
        local rows = {
          { name = v, type = 16, image_path = v, service_dll = v, object_name = v, failure_command = v,
            svchost_group = v, display_name = v },
          { name = "d", type = 1, image_path = v },
          { name = "sh", type = 32, image_path = "svchost.exe -k " .. v, service_dll = v },
        }
        local t0 = os.clock()
        run(rows, { svchost = { groups = { [v] = { v } } } })
        local dt = os.clock() - t0
        assert.is_true(dt < 1, ("alphabet %q took %.2f s"):format(al, dt))
      end
    end
  end)

  it("tolerate rows with missing or odd fields", function()
    local odd = {
      { name = "A" }, { key = "x" }, { name = "B", type = 0x20 }, { name = "C", type = 1, image_path = "" },
      { name = "D", image_path = "   ", service_dll = "", failure_command = "  ", object_name = "" },
      { name = "E", type_name = "share_process", image_path = [[svchost.exe -k]] },
      { name = "F", start = 4 }, { name = "G", image_path = '"' }, { name = "H", image_path = '""' },
    }
    assert.has_no.errors(function() run(odd, { svchost = SVCHOST }) end)
    assert.has_no.errors(function() run(odd) end)
  end)
end)

describe("the disable argument", function()
  it("drops the named rules for one run", function()
    local row = svc { name = "Evil", image_path = [[C:\ProgramData\lsass.exe]] }
    local fs = run({ row }, { args = { disable = "path-programdata, binary-impersonation" } })
    assert.same({}, fs)
    assert.equal(2, #run({ row }))
  end)

  it("refuses a name that is no rule", function()
    local ok, err = pcall(run, { svc {} }, { args = { disable = "path-programdata,nope" } })
    assert.is_false(ok)
    assert.truthy(err:find("services: argument disable names no rule: 'nope'", 1, true), err)
  end)
end)

describe("per-row rules", function()
  local function with(match)
    return services.extend { rules = { { id = "test-row", technique = "T1", severity = "low", message = "m", match = match } } }
  end

  it("may set a hit's severity after the evidence", function()
    local p = with(function() return { x = 1 }, "critical" end)
    local f = by_rule(run({ svc {} }, nil, p))["test-row"]
    assert.equal("critical", f.severity)
    assert.equal(2, f.score)
  end)

  it("count any true value as a hit without evidence (string.find's two results)", function()
    local p = with(function(r) return (r.name or ""):find("o", 1, true) end)
    local f = by_rule(run({ svc {} }, nil, p))["test-row"]
    assert.same({}, f.evidence)
    assert.equal("low", f.severity)
  end)

  it("refuse an unknown severity next to evidence, naming the rule", function()
    local ok, err = pcall(run, { svc {} }, nil, with(function() return {}, "severe" end))
    assert.is_false(ok)
    assert.truthy(err:find("rule test-row: match returned unknown severity 'severe'", 1, true), err)
  end)
end)

describe("set rules", function()
  it("merge into the row's score and may override message and severity", function()
    local row = svc { name = "Evil", image_path = [[C:\ProgramData\e.exe]] }
    local p = services.extend { rules = { {
      id = "test-set", technique = "T1543.003", severity = "low", weight = 3, message = "set rule",
      evaluate = function(input)
        return { { row = input.rows[1], evidence = { why = "test" }, message = "overridden", severity = "high" } }
      end } } }
    local r = by_rule(run({ row }, nil, p), "Evil")
    assert.equal(5, r["test-set"].score)
    assert.equal(5, r["path-programdata"].score)
    assert.equal("overridden", r["test-set"].message)
    assert.equal("high", r["test-set"].severity)
    assert.equal("medium", r["path-programdata"].severity)
  end)

  it("reject malformed hits with the rule's id", function()
    local p = services.extend { rules = { {
      id = "test-bad", technique = "T1", severity = "low", message = "m",
      evaluate = function() return { { evidence = {} } } end } } }
    local ok, err = pcall(run, { svc {} }, nil, p)
    assert.is_false(ok)
    assert.truthy(err:find("rule test-bad: hit 1 has no row", 1, true), err)
  end)

  it("a failing rule names itself", function()
    local p = services.extend { rules = { {
      id = "test-boom", technique = "T1", severity = "low", message = "m",
      match = function() error("boom") end } } }
    local ok, err = pcall(run, { svc {} }, nil, p)
    assert.is_false(ok)
    assert.truthy(err:find("rule test-boom:", 1, true) and err:find("boom", 1, true), err)
  end)
end)

describe("scoring by independent facts", function()
  it("counts two rules on one file's location once, at the larger weight, and says so", function()
    -- a svchost ServiceDll under ProgramData: outside System32 (6) and
    -- under ProgramData (2) are one fact, where the file lies
    local row = svc { name = "SessionEnv", type = 0x20, type_name = "share_process",
                      image_path = [[%SystemRoot%\System32\svchost.exe -k netsvcs -p]],
                      service_dll = [[%ProgramData%\Microsoft\Network\sessenv.dll]] }
    local r = by_rule(run({ row }), "SessionEnv")
    local out, pd = r["svchost-dll-outside-system32"], r["path-programdata"]
    assert.equal(6, out.score)
    assert.equal("high", out.severity)
    assert.equal("medium", pd.severity)   -- the band of 6, not of 6 + 2
    local sf = pd.evidence.score_facts
    assert.equal([[location of c:\programdata\microsoft\network\sessenv.dll]], sf.fact)
    assert.is_false(sf.counted)
    assert.is_true(out.evidence.score_facts.counted)
    assert.equal(1, sf.independent_facts)
    assert.same({ [[location of c:\programdata\microsoft\network\sessenv.dll: 6 (svchost-dll-outside-system32 6, path-programdata 2)]] },
      sf.facts)
  end)

  it("adds independent facts: a tool's name and where its binary lies", function()
    local row = svc { name = "PSEXESVC", image_path = [[%SystemRoot%\PSEXESVC.EXE]] }
    local r = by_rule(run({ row }), "PSEXESVC")
    assert.equal(8, r["known-tool"].score)
    assert.equal("high", r["known-tool"].severity)
    assert.equal(2, r["known-tool"].evidence.score_facts.independent_facts)
  end)

  it("leaves a single finding's evidence as the rule gave it", function()
    local f = fires("path-programdata", svc { image_path = [[C:\ProgramData\Vendor\agent.exe]] })
    assert.is_nil(f.evidence.score_facts)
  end)

  it("lets a set rule's hit carry its own weight, fact and time, and see what per-row rules flagged", function()
    local seen
    local p = services.extend { rules = { {
      id = "test-set", technique = "T1543.003", severity = "low", weight = 3, message = "set rule",
      evaluate = function(input, ctx)
        seen = ctx.flagged(input.rows[1])
        return { { row = input.rows[1], weight = 0, fact = "location",
                   datetime = "2021-02-03T04:05:06Z", timestamp_desc = "Something written",
                   evidence = { normalized = [[c:\programdata\e.exe]] } } }
      end } } }
    local row = svc { name = "Evil", image_path = [[C:\ProgramData\e.exe]] }
    local r = by_rule(run({ row }, nil, p), "Evil")
    assert.same({ "path-programdata" }, seen)
    assert.equal(2, r["test-set"].score)   -- one fact (the location): max(2, 0)
    assert.equal("2021-02-03T04:05:06Z", r["test-set"].datetime)
    assert.equal("Something written", r["test-set"].timestamp_desc)
    assert.equal("2020-01-01T00:00:00Z", r["path-programdata"].datetime)
  end)

  it("dates a ServiceDll finding by its Parameters key", function()
    local row = svc { name = "SessionEnv", type = 0x20, type_name = "share_process",
                      image_path = [[%SystemRoot%\System32\svchost.exe -k netsvcs -p]],
                      service_dll = [[C:\Users\Public\x.dll]], service_dll_source = "Parameters",
                      parameters_last_write = "2026-10-14T02:15:00Z" }
    local f = by_rule(run({ row }), "SessionEnv")["svchost-dll-outside-system32"]
    assert.equal("2026-10-14T02:15:00Z", f.datetime)
    assert.equal("Service Parameters key LastWrite", f.timestamp_desc)
  end)
end)

describe("name-random and Windows' own names", function()
  for _, case in ipairs {
    { "DXGKrnl", [[\SystemRoot\System32\drivers\dxgkrnl.sys]] },
    { "AppvVfs", [[\SystemRoot\system32\drivers\AppvVfs.sys]] },
    { "sffdisk", [[System32\drivers\sffdisk.sys]] },
    { "vpcbus", [[system32\DRIVERS\vpcgbus.sys]] },
    { "Cpqarray", [[System32\DRIVERS\cpqarray.sys]] },
  } do
    it("is silent on " .. case[1], function()
      assert.is_nil(fires("name-random", svc { name = case[1], type = 1, type_name = "kernel_driver",
                                               image_path = case[2] }))
    end)
  end

  it("still judges a Windows name whose binary lies outside the system directories", function()
    local f = fires("name-random", svc { name = "sffdisk", image_path = [[C:\Tools\qzvwkhmtrx.exe]] })
    assert.is_table(f)
    assert.equal("qzvwkhmtrx", f.evidence.name)
  end)
end)
