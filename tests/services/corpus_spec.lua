-- plugin.services on the real hives in HH_CORPUS (skipped where absent).
-- Counts and values are checked against the corpus README's reference
-- figures and, for every service, against reglookup (an independent reader).
local regf = require "hh.regf"
local services = require "plugin.services"

local corpus = os.getenv("HH_CORPUS")

local function corpus_file(rel)
  if not corpus then return nil end
  local path = corpus .. "/" .. rel
  local f = io.open(path, "rb")
  if not f then return nil end
  f:close()
  return path
end

-- describe_on("regipy/SYSTEM", function(path) ... end): the block, or one
-- pending test saying which hive is absent.
local function describe_on(rel, title, body)
  local path = corpus_file(rel)
  describe(title .. " (" .. rel .. ")", function()
    if not path then
      pending("corpus hive " .. rel .. " absent (HH_CORPUS=" .. tostring(corpus) .. "): skipped")
      return
    end
    body(path)
  end)
end

local function rows_of(input, control_set)
  local out = {}
  for _, r in ipairs(input.rows) do
    if r.control_set == control_set then out[#out + 1] = r end
  end
  return out
end

local function find_row(input, control_set, name)
  for _, r in ipairs(input.rows) do
    if r.control_set == control_set and r.name == name then return r end
  end
end

local function count_by_set(input)
  local n = {}
  for _, r in ipairs(input.rows) do n[r.control_set] = (n[r.control_set] or 0) + 1 end
  return n
end

-- reglookup's CSV, one service table per key: { [name] = { values = { [lower value name] = {type, text} },
-- params = {...} } }. Fields are %XX-escaped (',' '%' and non-printables).
local function unescape(s)
  return (s:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end

local function reglookup_services(hive, set)
  local p = assert(io.popen(("reglookup -p /%s/Services '%s' 2>/dev/null"):format(set, hive)))
  local svcs, raw_quoted = {}, {}
  local first = true
  for line in p:lines() do
    if first then
      first = false
    else
      local path, typ, value = line:match("^([^,]*),([^,]*),([^,]*),")
      assert(path, "unparsed reglookup line: " .. line)
      local parts = {}
      for comp in path:gmatch("[^/]+") do parts[#parts + 1] = unescape(comp) end
      -- parts: ControlSet001, Services, <name>[, <sub or value>[, <value>]]
      local name = parts[3]
      if name then
        local s = svcs[name] or { values = {}, params = {} }
        svcs[name] = s
        if #parts == 4 and typ ~= "KEY" then
          s.values[parts[4]:lower()] = { type = typ, text = unescape(value) }
        elseif #parts == 5 and typ ~= "KEY" and parts[4]:lower() == "parameters" then
          s.params[parts[5]:lower()] = { type = typ, text = unescape(value) }
        end
      end
    end
  end
  p:close()
  return svcs
end

local function reglookup_available()
  local p = io.popen("command -v reglookup")
  local out = p and p:read("a") or ""
  if p then p:close() end
  return out ~= ""
end

-- Every service of one control set against reglookup: the same names, and
-- the same ImagePath, ObjectName, Start, Type and ServiceDll (Parameters
-- first). Returns reglookup's service count and how many values compared.
local function compare_with_reglookup(path, input, set)
  local ref = reglookup_services(path, set)
  local mine, nmine = {}, 0
  for _, r in ipairs(rows_of(input, set)) do
    mine[r.name] = r
    nmine = nmine + 1
  end
  local nref = 0
  for name in pairs(ref) do
    nref = nref + 1
    assert(mine[name], "reglookup lists a service collect missed: " .. set .. "\\" .. name)
  end
  assert.equal(nref, nmine)
  local compared = 0
  local function same_string(name, field, ref_value)
    local got = mine[name][field]
    if ref_value == nil then
      assert(got == nil, name .. "." .. field .. " should be nil, got " .. tostring(got))
    elseif ref_value.type == "SZ" or ref_value.type == "EXPAND_SZ" then
      assert(got == ref_value.text, ("%s.%s: %q vs reglookup %q"):format(name, field, tostring(got), ref_value.text))
      compared = compared + 1
    end
  end
  local function same_dword(name, field, ref_value)
    local got = mine[name][field]
    if ref_value == nil then
      assert(got == nil, name .. "." .. field .. " should be nil")
    elseif ref_value.type == "DWORD" then
      assert(got == tonumber(ref_value.text), ("%s.%s: %s vs reglookup %s"):format(name, field, tostring(got), ref_value.text))
      compared = compared + 1
    end
  end
  for name, sv in pairs(ref) do
    same_string(name, "image_path", sv.values.imagepath)
    same_string(name, "object_name", sv.values.objectname)
    same_dword(name, "start", sv.values.start)
    same_dword(name, "type", sv.values.type)
    same_string(name, "service_dll", sv.params.servicedll or sv.values.servicedll)
  end
  return nref, compared
end

describe_on("regipy/SYSTEM", "services.collect on Windows 7", function(path)
  local hive, input
  setup(function()
    hive = assert(regf.open(path))
    input = assert(services.collect(hive))
  end)

  it("reads both control sets, 467 services in ControlSet001", function()
    local n = count_by_set(input)
    assert.equal(467, n.ControlSet001)
    assert.is_true((n.ControlSet002 or 0) > 400)
    assert.same({ "ControlSet001", "ControlSet002" }, input.control_sets)
    assert.equal("ControlSet001", input.current_control_set)
    assert.equal(1, input.select.current)
    assert.equal("services", input.plugin)
    assert.equal("SYSTEM", input.hive.kind)
    assert.equal(path, input.hive.path)
    assert.is_false(input.hive.dirty)
    assert.equal("WKS-WIN732BITA", input.hive.computer_name)
  end)

  it("has nothing to warn about on an intact hive", function()
    assert.same({}, input.warnings)
  end)

  it("reads a REG_MULTI_SZ DisplayName as Windows does: its first string", function()
    local r = assert(find_row(input, "ControlSet001", "NDProxy"))
    assert.equal("NDIS Proxy", r.display_name)
    assert.same({ type = "REG_MULTI_SZ", data = { "NDIS Proxy" } }, r.values.DisplayName)
  end)

  it("marks the current set's rows current and only those", function()
    for _, r in ipairs(input.rows) do
      assert.equal(r.control_set == "ControlSet001", r.current)
      assert.equal(r.control_set == "ControlSet001" and 1 or 2, r.control_set_number)
    end
  end)

  it("reports PSEXESVC as Windows stores it", function()
    local r = assert(find_row(input, "ControlSet001", "PSEXESVC"))
    assert.equal([[%SystemRoot%\PSEXESVC.EXE]], r.image_path)
    assert.equal("LocalSystem", r.object_name)
    assert.equal("2012-04-04T18:52:11Z", r.last_write)
    assert.equal(1333565531, r.last_write_epoch)
    assert.equal(3, r.start)
    assert.equal("demand", r.start_name)
    assert.equal(0x10, r.type)
    assert.equal("own_process", r.type_name)
    assert.equal("PsExec", r.display_name)
    assert.equal([[ControlSet001\services\PSEXESVC]], r.key)
    assert.equal(path, r.hive)
    assert.same({ type = "REG_EXPAND_SZ", data = [[%SystemRoot%\PSEXESVC.EXE]] }, r.values.ImagePath)
    assert.same({ type = "REG_DWORD", data = 3 }, r.values.Start)
    assert.is_nil(r.service_dll)
    assert.is_nil(r.recovered)
  end)

  it("parses svchost command lines and Parameters\\ServiceDll", function()
    local r = assert(find_row(input, "ControlSet001", "Schedule"))
    assert.equal("netsvcs", r.svchost_group)
    assert.is_false(r.svchost_p)
    assert.equal("Parameters", r.service_dll_source)
    assert.matches("schedsvc%.dll$", r.service_dll:lower())
    assert.is_number(r.parameters_last_write_epoch)
  end)

  it("matches reglookup for every service of ControlSet001 and ControlSet002", function()
    if not reglookup_available() then
      pending("reglookup not installed")
      return
    end
    local nref, compared = compare_with_reglookup(path, input, "ControlSet001")
    assert.equal(467, nref)
    assert.is_true(compared > 1500, "only " .. compared .. " values compared")
    nref, compared = compare_with_reglookup(path, input, "ControlSet002")
    assert.equal(#rows_of(input, "ControlSet002"), nref)
    assert.is_true(compared > 1500, "only " .. compared .. " values compared")
  end)
end)

describe_on("regipy/SYSTEM_B", "services.collect on Windows 10 1709 without replay", function(path)
  it("reads 655 services in the current set", function()
    local input = assert(services.collect(assert(regf.open(path, { replay = false }))))
    assert.equal(655, #rows_of(input, input.current_control_set))
    assert.equal("ControlSet001", input.current_control_set)
    local r = assert(find_row(input, "ControlSet001", "Appinfo"))
    assert.equal("netsvcs", r.svchost_group)
    assert.is_true(r.svchost_p)
    assert.is_nil(r.svchost_s)
  end)
end)

describe_on("winevt-kb/SYSTEM_XP", "services.collect on Windows XP", function(path)
  it("reads control sets 001 and 003, 268 services each", function()
    local input = assert(services.collect(assert(regf.open(path))))
    assert.same({ "ControlSet001", "ControlSet003" }, input.control_sets)
    local n = count_by_set(input)
    assert.equal(268, n.ControlSet001)
    assert.equal(268, n.ControlSet003)
    assert.is_nil(n.ControlSet002)
    local r = assert(find_row(input, "ControlSet001", "helpsvc"))
    assert.matches("^%%WINDIR%%\\PCHealth\\", r.service_dll)
    assert.equal("Parameters", r.service_dll_source)
    assert.equal("netsvcs", r.svchost_group)
  end)
end)

describe_on("regipy/corrupted_system_hive", "services.collect on a damaged Windows XP hive", function(path)
  it("reads the 198 intact service keys of ControlSet001 and names what it could not read", function()
    local hive = assert(regf.open(path, { recover = true }))
    local input = assert(services.collect(hive))
    assert.equal(198, #rows_of(input, "ControlSet001"))
    assert.is_true(#input.warnings > 0)
    for _, w in ipairs(input.warnings) do
      assert.is_string(w)
      assert.is_true(#w > 0)
    end
  end)
end)

describe_on("aiowinreg/SOFTWARE", "services on Windows NT 4", function(software_path)
  local system_path = corpus_file("aiowinreg/SYSTEM")

  it("has no svchost groups and says why", function()
    local input = assert(services.collect(assert(regf.open(system_path)), assert(regf.open(software_path))))
    assert.is_nil(input.svchost)
    local said = false
    for _, w in ipairs(input.warnings) do
      if w:find("Svchost", 1, true) then said = true end
    end
    assert.is_true(said)
    assert.is_true(#input.rows > 0)
    local groups, msg = services.svchost_groups(assert(regf.open(software_path)))
    assert.is_nil(groups)
    assert.matches("no Microsoft\\Windows NT\\CurrentVersion\\Svchost key", msg, 1, true)
  end)

  it("refuses a hive of the wrong kind with one line", function()
    local input, msg = services.collect(assert(regf.open(software_path)))
    assert.is_nil(input)
    assert.matches("is a SOFTWARE hive, not a SYSTEM hive", msg, 1, true)
    local groups, msg2 = services.svchost_groups(assert(regf.open(system_path)))
    assert.is_nil(groups)
    assert.matches("is a SYSTEM hive, not a SOFTWARE hive", msg2, 1, true)
  end)
end)

describe("services.columns", function()
  it("starts with the fields reports lead with", function()
    assert.same({ "name", "control_set", "current", "display_name", "description", "image_path", "service_dll" },
      { table.unpack(services.columns, 1, 7) })
    local seen = {}
    for _, c in ipairs(services.columns) do
      assert.is_nil(seen[c], "duplicate column " .. c)
      seen[c] = true
    end
    assert.is_true(seen.last_write and seen.start_name and seen.type_name and seen.object_name)
  end)
end)
