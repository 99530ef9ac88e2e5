-- hh.regf on real hives (skips where ../shared/corpus is absent) and on
-- files that are not hives.
local regf = require "hh.regf"

local corpus = os.getenv("HH_CORPUS") or ""
local function have(rel)
  local f = io.open(corpus .. "/" .. rel, "rb")
  if f then f:close() return corpus .. "/" .. rel end
end

local function tmpfile(bytes)
  local p = os.tmpname()
  local f = assert(io.open(p, "wb"))
  f:write(bytes)
  f:close()
  return p
end

describe("regf.open on bad input", function()
  it("names the file and the reason for an empty file", function()
    local p = tmpfile("")
    local h, msg = regf.open(p)
    assert.is_nil(h)
    assert.truthy(msg:find(p, 1, true))
    assert.truthy(msg:find("empty file", 1, true))
    os.remove(p)
  end)
  it("refuses random bytes", function()
    local t = {}
    for i = 1, 8192 do t[i] = string.char((i * 7919) % 251) end
    local p = tmpfile(table.concat(t))
    local h, msg = regf.open(p)
    assert.is_nil(h)
    assert.truthy(msg:find("no regf signature", 1, true))
    os.remove(p)
  end)
  it("refuses a directory", function()
    local h, msg = regf.open("/tmp")
    assert.is_nil(h)
    assert.truthy(msg:find("/tmp: is a directory", 1, true))
  end)
  it("refuses a missing file", function()
    local h, msg = regf.open("/nonexistent/SYSTEM")
    assert.is_nil(h)
    assert.truthy(msg:find("/nonexistent/SYSTEM: No such file", 1, true))
  end)
  it("refuses a hive header with nothing after it", function()
    local p = tmpfile("regf" .. string.rep("\0", 100))
    local h, msg = regf.open(p)
    assert.is_nil(h)
    assert.truthy(msg:find("smaller than a base block", 1, true))
    os.remove(p)
  end)
  it("raises on misuse", function()
    assert.has_error(function() regf.open() end)
    assert.has_error(function() regf.open({}) end)
  end)
end)

local win7 = have("regipy/SYSTEM")
local describe_win7 = win7 and describe or function(name) pending(name .. " (corpus absent: " .. corpus .. ")") end

describe_win7("hh.regf on the Windows 7 SYSTEM hive", function()
  local hive
  setup(function() hive = assert(regf.open(win7)) end)
  teardown(function() if hive then hive:close() end end)

  it("reports hive facts", function()
    assert.are.equal("SYSTEM", hive.kind)
    assert.are.equal(win7, hive.path)
    assert.is_false(hive.dirty)
    assert.are.equal(hive.seq_primary, hive.seq_secondary)
  end)

  it("walks exactly 30,756 keys and 73,456 values", function()
    local keys, values, errors = 0, 0, 0
    local function walk(k)
      keys = keys + 1
      for v, err in k:values() do
        if v then values = values + 1 else errors = errors + 1 end
      end
      for s, err in k:subkeys() do
        if s then walk(s) else errors = errors + 1 end
      end
    end
    walk(hive:root())
    assert.are.equal(30756, keys)
    assert.are.equal(73456, values)
    assert.are.equal(0, errors)
  end)

  it("has 467 subkeys under ControlSet001\\Services, found case-insensitively", function()
    local a = hive:key([[ControlSet001\Services]])
    local b = hive:key([[CONTROLSET001\SERVICES]])
    local c = hive:root():subkey("controlset001"):subkey("services")
    assert.are.equal(467, a.subkey_count)
    assert.are.equal(a.subkey_count, b.subkey_count)
    assert.are.equal(a.path, c.path)
    local n = 0
    for s in a:subkeys() do n = n + 1 end
    assert.are.equal(467, n)
  end)

  it("reads PSEXESVC as the incident left it", function()
    local k = assert(hive:key([[ControlSet001\Services\psexesvc]]))
    assert.are.equal("PSEXESVC", k.name)
    assert.are.equal("2012-04-04T18:52:11Z", k.last_write_iso)
    assert.are.equal(k.last_write_iso, regf.filetime_iso(k.last_write))
    local ip = k:value("imagepath")
    assert.are.equal("ImagePath", ip.name)
    assert.are.equal("REG_EXPAND_SZ", ip.type)
    assert.are.equal("%SystemRoot%\\PSEXESVC.EXE", ip:data())
    local raw = ip:raw()
    assert.are.equal(ip.size, #raw)
    assert.are.equal("%\0S\0", raw:sub(1, 4))
    assert.are.equal("LocalSystem", k:value("ObjectName"):data())
    assert.are.equal("REG_DWORD", k:value("Start").type)
    assert.are.equal(3, k:value("Start"):data())
  end)

  it("decodes every value type it meets by type", function()
    local seen = {}
    local function walk(k, depth)
      for v in k:values() do
        local t, d = v.type, v:data()
        seen[t] = (seen[t] or 0) + 1
        if t == "REG_SZ" or t == "REG_EXPAND_SZ" then
          assert.are.equal("string", type(d))
          assert.is_nil(d:find("\0", 1, true))
          assert.truthy(utf8.len(d), "valid UTF-8")
        elseif t == "REG_DWORD" or t == "REG_DWORD_BIG_ENDIAN" then
          if v.size >= 4 then assert.are.equal("number", math.type(d) and "number") ; assert.are.equal("integer", math.type(d))
          else assert.are.equal("string", type(d)) end
        elseif t == "REG_QWORD" then
          if v.size >= 8 then assert.are.equal("integer", math.type(d)) end
        elseif t == "REG_MULTI_SZ" then
          assert.are.equal("table", type(d))
          for _, s in ipairs(d) do assert.are.equal("string", type(s)) end
        else
          assert.are.equal("string", type(d))
          assert.are.equal(v.size, #d)
        end
      end
      if depth < 4 then
        for s in k:subkeys() do walk(s, depth + 1) end
      end
    end
    walk(hive:key("ControlSet001"), 0)
    for _, t in ipairs { "REG_SZ", "REG_EXPAND_SZ", "REG_DWORD", "REG_BINARY", "REG_MULTI_SZ" } do
      assert.truthy(seen[t], t .. " met")
    end
  end)

  it("answers nil for an absent key or value", function()
    assert.is_nil(hive:key([[ControlSet001\Services\NoSuchService]]))
    local k = hive:key([[ControlSet001\Services\PSEXESVC]])
    assert.is_nil(k:value("NoSuchValue"))
    assert.is_nil(k:subkey("NoSuchSubkey"))
  end)

  it("raises on unknown field names", function()
    local k = hive:key("Select")
    assert.has_error(function() return k.nmae end, "hh.key has no field 'nmae'")
    assert.has_error(function() return hive.knd end, "hh.hive has no field 'knd'")
    local v = k:value("Current")
    assert.has_error(function() return v.dat end, "hh.value has no field 'dat'")
    assert.are.equal(1, v:data())
  end)
end)

describe_win7("a closed hive", function()
  it("makes its keys and values raise 'hive is closed'", function()
    local h = assert(regf.open(win7))
    local k = h:key("Select")
    local v = k:value("Current")
    local it = k:values()
    h:close()
    assert.is_true(h.closed)
    assert.has_error(function() return k.name end, "hive is closed")
    assert.has_error(function() return v:data() end, "hive is closed")
    assert.has_error(function() return it() end, "hive is closed")
    assert.has_error(function() return h:root() end, "hive is closed")
  end)
  it("keeps working while only a key holds it", function()
    local k = assert(regf.open(win7)):key([[ControlSet001\Services\PSEXESVC]])
    collectgarbage()
    collectgarbage()
    assert.are.equal("PSEXESVC", k.name)
    assert.are.equal(3, k:value("Start"):data())
  end)
end)

local ntuser = have("regipy/NTUSER.DAT")
local describe_kinds = ntuser and describe or function(name) pending(name .. " (corpus absent)") end
describe_kinds("hive kind detection", function()
  it("tells hive kinds from content", function()
    local expect = {
      ["regipy/NTUSER.DAT"] = "NTUSER", ["aiowinreg/SOFTWARE"] = "SOFTWARE",
      ["aiowinreg/SYSTEM"] = "SYSTEM", ["winevt-kb/SYSTEM_XP"] = "SYSTEM", ["regipy/SYSTEM_B"] = "SYSTEM",
    }
    for rel, kind in pairs(expect) do
      local h = assert(regf.open(corpus .. "/" .. rel))
      assert.are.equal(kind, h.kind, rel)
      h:close()
    end
  end)
  it("refuses a transaction log given as a hive", function()
    local h, msg = regf.open(corpus .. "/regipy/SYSTEM_B.LOG1")
    assert.is_nil(h)
    assert.truthy(msg:find("transaction log", 1, true))
  end)
  it("reports a dirty hive", function()
    local h = assert(regf.open(corpus .. "/regipy/SYSTEM_B", { replay = false }))
    assert.is_true(h.dirty)
    assert.are_not.equal(h.seq_primary, h.seq_secondary)
  end)
end)
