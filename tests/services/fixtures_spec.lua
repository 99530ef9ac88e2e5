-- plugin.services on synthetic hives: the shipped fixtures (HH_TESTDATA,
-- built by hh-mkhive from testdata/*.spec) and small edge-case hives whose
-- specs are written inline below, so each test shows exactly what it plants.
local regf = require "hh.regf"
local services = require "plugin.services"

local testdata = os.getenv("HH_TESTDATA")
local manifest
do
  local ok, m = pcall(dofile, (testdata or "") .. "/manifest.lua")
  if ok then manifest = m end
end

local function fixture(name)
  local path = testdata .. "/" .. name
  local f = io.open(path, "rb")
  if not f then return nil end
  f:close()
  return path
end

-- Build a hive from inline spec text with hh-mkhive; returns its path.
local built = {}
local function build(spec_text)
  local spec = os.tmpname()
  local out = os.tmpname()
  local f = assert(io.open(spec, "wb"))
  f:write(spec_text)
  f:close()
  local ok = os.execute(("'%s' '%s' '%s'"):format(manifest.mkhive, spec, out))
  os.remove(spec)
  assert(ok, "hh-mkhive failed on:\n" .. spec_text)
  built[#built + 1] = out
  return out
end

local function rows_by(input)
  local by = {}
  for _, r in ipairs(input.rows) do by[r.control_set .. "\\" .. r.name] = r end
  return by
end

local function count_in(input, set)
  local n = 0
  for _, r in ipairs(input.rows) do
    if r.control_set == set then n = n + 1 end
  end
  return n
end

local function has_warning(input, needle)
  for _, w in ipairs(input.warnings) do
    if w:find(needle, 1, true) then return true end
  end
  return false
end

local function utf16_hex(s)
  return (s:gsub(".", function(ch) return ("%02x00"):format(ch:byte()) end))
end

if not manifest then
  describe("plugin.services on fixture hives", function()
    pending("no fixture manifest at HH_TESTDATA=" .. tostring(testdata) .. " (build the 'fixtures' target)")
  end)
  return
end

teardown(function()
  for _, p in ipairs(built) do os.remove(p) end
end)

describe("services.collect on clean/SYSTEM with clean/SOFTWARE", function()
  local input, software
  setup(function()
    software = assert(regf.open(assert(fixture("clean/SOFTWARE"))))
    input = assert(services.collect(assert(regf.open(assert(fixture("clean/SYSTEM")))), software))
  end)

  it("reads both control sets and Select, with no warning", function()
    assert.same({}, input.warnings)
    assert.equal(82, count_in(input, "ControlSet001"))
    assert.equal(82, count_in(input, "ControlSet002"))
    assert.same({ "ControlSet001", "ControlSet002" }, input.control_sets)
    assert.same({ current = 1, default = 1, last_known_good = 2, failed = 0 }, input.select)
    assert.equal("ControlSet001", input.current_control_set)
    assert.equal("WS-CLEAN", input.hive.computer_name)
    assert.equal("SYSTEM", input.hive.kind)
  end)

  it("builds a svchost service's row from the key and its Parameters", function()
    local r = assert(rows_by(input)["ControlSet001\\Schedule"])
    assert.equal("@%SystemRoot%\\system32\\schedsvc.dll,-105", r.display_name)
    assert.equal("@%SystemRoot%\\system32\\schedsvc.dll,-106", r.description)
    assert.equal("%SystemRoot%\\system32\\svchost.exe -k netsvcs -p", r.image_path)
    assert.equal("%SystemRoot%\\System32\\schedsvc.dll", r.service_dll)
    assert.equal("Parameters", r.service_dll_source)
    assert.equal("netsvcs", r.svchost_group)
    assert.is_true(r.svchost_p)
    assert.equal(2, r.start)
    assert.equal("auto", r.start_name)
    assert.equal(0x20, r.type)
    assert.equal("share_process", r.type_name)
    assert.equal(1, r.error_control)
    assert.equal("LocalSystem", r.object_name)
    assert.equal("2024-03-10T09:05:35Z", r.last_write)
    assert.equal("2024-03-10T09:05:35Z", r.parameters_last_write)
    assert.is_true(r.current)
    assert.same({ type = "REG_DWORD", data = 1 }, r.values.ServiceSidType)
    assert.is_nil(r.values.ServiceDll) -- values holds the key's own values only
  end)

  it("exposes SOFTWARE's svchost groups as stored", function()
    assert.equal(software.path, input.svchost.path)
    local netsvcs = assert(input.svchost.groups.netsvcs)
    local members = {}
    for _, m in ipairs(netsvcs) do members[m] = true end
    assert.is_true(members.Schedule)
    local alone = assert(services.svchost_groups(software))
    assert.same(input.svchost.groups, alone.groups)
    assert.is_nil(alone.warnings)
  end)

  it("gives nil svchost without a SOFTWARE hive", function()
    local plain = assert(services.collect(assert(regf.open(fixture("clean/SYSTEM")))))
    assert.is_nil(plain.svchost)
    assert.equal(#input.rows, #plain.rows)
  end)
end)

describe("services.collect on demo/SYSTEM", function()
  it("shows the planted changes", function()
    local input = assert(services.collect(assert(regf.open(assert(fixture("demo/SYSTEM"))))))
    local by = rows_by(input)
    local msupdate = assert(by["ControlSet001\\MsUpdateSvc"])
    assert.equal([[C:\Windows\Temp\svchost.exe -k netsvcs]], msupdate.image_path)
    assert.equal("netsvcs", msupdate.svchost_group)
    local sessionenv = assert(by["ControlSet001\\SessionEnv"])
    assert.equal([[%ProgramData%\Microsoft\Network\sessenv.dll]], sessionenv.service_dll)
    assert.equal("Parameters", sessionenv.service_dll_source)
    local defender = assert(by["ControlSet001\\WinDefend"])
    assert.equal(4, defender.start)
    assert.equal("disabled", defender.start_name)
  end)
end)

describe("services.collect on broken/control-char-name", function()
  it("keeps control characters in names and values exactly", function()
    local input = assert(services.collect(assert(regf.open(assert(fixture("broken/control-char-name"))))))
    local r = assert(rows_by(input)["ControlSet001\\Evil\27[31mSvc\7\nx"])
    assert.equal("Evil\27[0m\r\nInjected line", r.display_name)
    assert.equal("ControlSet001\\Services\\Evil\27[31mSvc\7\nx", r.key)
    assert.same({ type = "REG_DWORD", data = 1 }, r.values["Odd\rName"])
  end)
end)

describe("services.collect on compromised/service-deleted", function()
  it("turns the recovered service key into a row", function()
    local input = assert(services.collect(assert(regf.open(assert(fixture("compromised/service-deleted")),
      { recover = true }))))
    local live, recovered = nil, nil
    for _, r in ipairs(input.rows) do
      if r.name == "PSEXESVC" then
        if r.recovered then recovered = r else live = r end
      end
    end
    assert.is_nil(live)
    assert.truthy(recovered, "the deleted PSEXESVC key is recovered")
    assert.equal("%SystemRoot%\\PSEXESVC.exe", recovered.image_path)
    assert.equal("ControlSet001", recovered.control_set)
    assert.equal("2026-10-14T02:10:00Z", recovered.last_write)
  end)
end)

describe("services.collect on edge cases", function()
  local long_path = "C:\\" .. string.rep("A", 16400) .. ".exe"
  local input, by, hive_path
  setup(function()
    hive_path = build(table.concat({
      "@root ROOT",
      "@default-lastwrite 2025-01-01T00:00:00Z",
      -- No Select key at all (a differencing hive looks like this).
      [[ [ControlSet001\Services\Plain] @lastwrite=2025-02-03T04:05:06Z ]],
      [["ImagePath"=expand_sz:"%SystemRoot%\\plain.exe"]],
      [["Start"=dword:3]],
      [["Type"=dword:0x10]],
      [[ [ControlSet002] ]], -- a set without Services
      [[ [ControlSet010\Services\StartText] ]],
      [["Start"="2"]],
      [[ [ControlSet010\Services\StartShort] ]],
      [["Start"=type(4):02,00]],
      [["Type"=dword_be:0x10]],
      [[ [ControlSet010\Services\StartJunk] ]],
      [["Start"="auto"]],
      [["Type"=hex:01,02,03,04,05,06,07,08,09]],
      [[ [ControlSet010\Services\NulInside] ]],
      [["ImagePath"=expand_sz:"C:\\a.exe\0C:\\hidden.exe"]],
      [[ [ControlSet010\Services\Long] ]],
      ([["ImagePath"=expand_sz:"%s"]]):format(long_path:gsub("\\", "\\\\")),
      [[ [ControlSet010\Services\KeyDll] ]],
      [["ImagePath"=expand_sz:"%SystemRoot%\\System32\\svchost.exe -k LocalService -s KeyDll"]],
      [["ServiceDll"=expand_sz:"C:\\x\\keydll.dll"]],
      [["DependOnService"=multi_sz:"RpcSs","Tcpip"]],
      [["RequiredPrivileges"=multi_sz:"SeChangeNotifyPrivilege"]],
      [["DependOnGroup"="NetworkProvider"]],
      [["DelayedAutostart"=dword:1]],
      [["FailureCommand"="C:\\recover.exe"]],
      [["Binary"=hex:de,ad,be,ef]],
      [["Nothing"=none]],
      [["Q"=qword:5]],
      [["Huge"=fill(1048600):0xab]],
      [["Type"=dword:0x3]],
      [["Start"=dword:9]],
      [[ [ControlSet010\Services\MultiPath] ]],
      [["ImagePath"=multi_sz:"C:\\first.exe","C:\\second.exe"]],
      [["DisplayName"=multi_sz:"Shown"]],
      [[ [ControlSet010\Services\OwnDll] ]],
      [["ServiceDll"=expand_sz:"C:\\own.dll"]],
      [[ [ControlSet010\Services\OwnDll\Parameters] @lastwrite=2025-03-03T00:00:00Z ]],
      [["Other"=dword:1]],
      [[ [controlset011\Services\Lower] ]],
      [["Start"=dword:4]],
      [[ [ControlSetXYZ\Services\NotASet] ]],
      [[ [ControlSet0100\Services\NotASetEither] ]],
      "",
    }, "\n"))
    input = assert(services.collect(assert(regf.open(hive_path))))
    by = rows_by(input)
  end)

  it("enumerates every ControlSetNNN by name, sorted by number, and no other key", function()
    assert.same({ "ControlSet001", "ControlSet002", "ControlSet010", "controlset011" }, input.control_sets)
    assert.is_truthy(by["ControlSet010\\Long"])
    assert.is_truthy(by["controlset011\\Lower"])
    assert.equal(11, by["controlset011\\Lower"].control_set_number)
    for _, r in ipairs(input.rows) do
      assert.is_nil(r.name:find("NotASet", 1, true))
    end
    assert.is_true(has_warning(input, "ControlSet002 has no Services key"))
  end)

  it("reads a hive without Select: rows, no current set, a warning", function()
    assert.is_nil(input.select)
    assert.is_nil(input.current_control_set)
    assert.is_true(has_warning(input, "no Select key"))
    for _, r in ipairs(input.rows) do assert.is_false(r.current) end
    assert.equal("2025-02-03T04:05:06Z", by["ControlSet001\\Plain"].last_write)
  end)

  it("decodes Start and Type stored with the wrong type, and says so", function()
    assert.equal(2, by["ControlSet010\\StartText"].start)
    assert.equal("auto", by["ControlSet010\\StartText"].start_name)
    assert.is_true(has_warning(input, [[ControlSet010\Services\StartText: value 'Start' is REG_SZ "2"; read as 2]]))
    local junk = by["ControlSet010\\StartJunk"]
    assert.is_nil(junk.start)
    assert.is_nil(junk.type)
    assert.equal("invalid", junk.start_name)
    assert.equal("invalid", junk.type_name)
    assert.equal("missing", by["ControlSet010\\Long"].start_name)
    assert.equal("missing", by["ControlSet010\\Long"].type_name)
    assert.is_true(has_warning(input, [[StartJunk: value 'Start' (REG_SZ, 10 bytes) is not a number]]))
    assert.is_true(has_warning(input, [[StartJunk: value 'Type' (REG_BINARY, 9 bytes) is not a number]]))
  end)

  it("reads a 2-byte DWORD Start as the number its bytes hold", function()
    assert.equal(0x10, by["ControlSet010\\StartShort"].type)
    local raw = assert(regf.open(hive_path)):key([[ControlSet010\Services\StartShort]]):value("Start"):raw()
    assert.equal("\2\0", raw)
    assert.equal(2, by["ControlSet010\\StartShort"].start)
    assert.is_true(has_warning(input, [[StartShort: value 'Start' is REG_DWORD of 2 bytes; read as 2]]))
  end)

  it("names unknown Start and Type values", function()
    local r = by["ControlSet010\\KeyDll"]
    assert.equal(9, r.start)
    assert.equal("unknown(9)", r.start_name)
    assert.equal(3, r.type)
    assert.equal("unknown(0x3)", r.type_name)
  end)

  it("reads the first string of a REG_MULTI_SZ text value, warning unless it is a display string", function()
    local r = by["ControlSet010\\MultiPath"]
    assert.equal("C:\\first.exe", r.image_path)
    assert.equal("Shown", r.display_name)
    assert.same({ "C:\\first.exe", "C:\\second.exe" }, r.values.ImagePath.data)
    assert.is_true(has_warning(input, [[MultiPath: value 'ImagePath' is REG_MULTI_SZ; its first string is used]]))
    assert.is_false(has_warning(input, [[MultiPath: value 'DisplayName']]))
  end)

  it("keeps a 16 KB ImagePath whole", function()
    local r = by["ControlSet010\\Long"]
    assert.equal(#long_path, #r.image_path)
    assert.equal(long_path, r.image_path)
    assert.equal(long_path, r.values.ImagePath.data)
  end)

  it("cuts a string at its NUL as Windows does, and shows what hides after it", function()
    local r = by["ControlSet010\\NulInside"]
    assert.equal("C:\\a.exe", r.image_path)
    assert.equal(utf16_hex("C:\\hidden.exe") .. "0000", r.values.ImagePath.after_nul)
    assert.is_true(has_warning(input, [[NulInside: value 'ImagePath' holds 28 bytes after its terminating NUL]]))
  end)

  it("takes ServiceDll from the key when Parameters has none, and says where", function()
    local k = by["ControlSet010\\KeyDll"]
    assert.equal("C:\\x\\keydll.dll", k.service_dll)
    assert.equal("key", k.service_dll_source)
    assert.is_nil(k.parameters_last_write)
    local own = by["ControlSet010\\OwnDll"]
    assert.equal("C:\\own.dll", own.service_dll)
    assert.equal("key", own.service_dll_source)
    assert.equal("2025-03-03T00:00:00Z", own.parameters_last_write)
    assert.is_nil(by["ControlSet001\\Plain"].service_dll)
    assert.is_nil(by["ControlSet001\\Plain"].service_dll_source)
  end)

  it("decodes lists, flags and every value type", function()
    local k = by["ControlSet010\\KeyDll"]
    assert.equal("LocalService", k.svchost_group)
    assert.equal("KeyDll", k.svchost_s)
    assert.is_false(k.svchost_p)
    assert.same({ "RpcSs", "Tcpip" }, k.depend_on_service)
    assert.same({ "SeChangeNotifyPrivilege" }, k.required_privileges)
    assert.same({ "NetworkProvider" }, k.depend_on_group)
    assert.equal(1, k.delayed_autostart)
    assert.equal("C:\\recover.exe", k.failure_command)
    assert.same({ type = "REG_BINARY", data = "deadbeef" }, k.values.Binary)
    assert.same({ type = "REG_NONE", data = "" }, k.values.Nothing)
    assert.same({ type = "REG_QWORD", data = 5 }, k.values.Q)
    assert.equal(2 * 1048576, #k.values.Huge.data)
    assert.equal(string.rep("ab", 4), k.values.Huge.data:sub(1, 8))
    assert.is_true(has_warning(input, [[KeyDll: value 'Huge' holds 1048600 bytes; values.data shows the first 1048576 as hex]]))
    assert.same({ type = "REG_MULTI_SZ", data = { "RpcSs", "Tcpip" } }, k.values.DependOnService)
    assert.is_false(by["ControlSet001\\Plain"].svchost_p)
    assert.is_nil(by["ControlSet001\\Plain"].svchost_group)
    assert.is_nil(by["ControlSet001\\Plain"].depend_on_service)
  end)
end)

describe("services.collect and Select", function()
  local function with_select(current)
    return build(table.concat({
      "@root ROOT",
      "[Select]",
      current and ('"Current"=dword:' .. current) or '"Default"=dword:1',
      [[ [ControlSet001\Services\A] ]],
      [["Start"=dword:3]],
      [[ [ControlSet010\Services\A] ]],
      [["Start"=dword:2]],
      [[ [ControlSet010\Control\ComputerName\ComputerName] ]],
      [["ComputerName"="TEN"]],
      "",
    }, "\n"))
  end

  it("marks the set Select\\Current names, found by number not by name", function()
    local input = assert(services.collect(assert(regf.open(with_select(10)))))
    assert.equal("ControlSet010", input.current_control_set)
    assert.equal("TEN", input.hive.computer_name)
    local by = rows_by(input)
    assert.is_true(by["ControlSet010\\A"].current)
    assert.is_false(by["ControlSet001\\A"].current)
    assert.same({}, input.warnings)
  end)

  it("warns when Current names a set that does not exist", function()
    local input = assert(services.collect(assert(regf.open(with_select(7)))))
    assert.is_nil(input.current_control_set)
    assert.is_true(has_warning(input, "Select\\Current names control set 7, which does not exist"))
    assert.equal(2, #input.rows)
  end)

  it("warns when Select has no Current", function()
    local input = assert(services.collect(assert(regf.open(with_select(nil)))))
    assert.is_nil(input.current_control_set)
    assert.same({ default = 1 }, input.select)
    assert.is_true(has_warning(input, "Select has no usable Current value"))
  end)
end)

describe("services.svchost_groups on odd Svchost values", function()
  it("takes multi_sz lists, a lone string as one member, and warns about the rest", function()
    local path = build(table.concat({
      "@root ROOT",
      [[ [Classes] ]],
      [[ [Microsoft\Windows NT\CurrentVersion\Svchost] ]],
      [["netsvcs"=multi_sz:"AeLookupSvc","Schedule"]],
      [["LocalService"=multi_sz:]],
      [["single"="OneSvc"]],
      [["broken"=hex:01,02]],
      [[@=""]],
      [[ [Microsoft\Windows NT\CurrentVersion\Svchost\netsvcs] ]],
      [["CoInitializeSecurityParam"=dword:1]],
      "",
    }, "\n"))
    local hive = assert(regf.open(path))
    assert.equal("SOFTWARE", hive.kind)
    local svchost = assert(services.svchost_groups(hive))
    assert.same({ netsvcs = { "AeLookupSvc", "Schedule" }, LocalService = {}, single = { "OneSvc" } },
      svchost.groups)
    assert.equal(1, #svchost.warnings)
    assert.matches("group 'broken' is not a list of service names", svchost.warnings[1], 1, true)
  end)
end)
