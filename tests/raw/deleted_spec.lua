-- Deleted keys recovered from unallocated cells.
package.path = os.getenv("HH_SOURCE_DIR") .. "/tests/raw/?.lua;" .. package.path
local regf = require "hh.regf"
local T = require "rawtest"

local function deleted(h)
  local out = {}
  for k, err in h:deleted_keys() do
    assert(k, err)
    out[#out + 1] = k
  end
  return out
end

describe("DeletedTreeHive", function()
  local p = T.corpus_file("yarp/DeletedTreeHive")

  it("recovers the deleted subtree under its live parent", function()
    if not p then return pending("HH_CORPUS absent: skipped") end
    local h = assert(regf.open(p))
    local paths = {}
    for _, k in ipairs(deleted(h)) do
      assert.is_true(k.recovered)
      assert.is_true(k.last_write > 0)
      paths[#paths + 1] = k.path
    end
    table.sort(paths)
    assert.are.same({[[1\2\3]], [[1\2\3\4]], [[1\2\3\4\5]], [[1\2\3\4\New Key #1]]}, paths)
  end)

  it("never presents a recovered key as live", function()
    if not p then return pending("HH_CORPUS absent: skipped") end
    local h = assert(regf.open(p))
    assert.is_nil(h:key([[1\2\3]]))
    local live = assert(h:key([[1\2]]))
    assert.are.equal(0, live.subkey_count)
    for _, k in ipairs(deleted(h)) do
      assert.is_nil(h:key(k.path))
    end
  end)

  it("walks the recovered subtree from a recovered key", function()
    if not p then return pending("HH_CORPUS absent: skipped") end
    local h = assert(regf.open(p))
    local four
    for _, k in ipairs(deleted(h)) do
      if k.path == [[1\2\3\4]] then four = k end
    end
    assert.truthy(four)
    local names = {}
    for s in four:subkeys() do
      assert.is_true(s.recovered)
      names[#names + 1] = s.name
    end
    table.sort(names)
    assert.are.same({"5", "New Key #1"}, names)
  end)

  it("is off when recovery is off", function()
    if not p then return pending("HH_CORPUS absent: skipped") end
    assert.are.equal(0, #deleted(assert(regf.open(p, {recover = false}))))
  end)
end)

describe("recovered keys in real hives", function()
  it("NT4 SYSTEM: every recovered key has a plausible name, date and resolved path", function()
    local p = T.corpus_file("aiowinreg/SYSTEM")
    if not p then return pending("HH_CORPUS absent: skipped") end
    local h = assert(regf.open(p))
    local keys = deleted(h)
    assert.is_true(#keys > 100)
    local resolved = 0
    for _, k in ipairs(keys) do
      assert.is_nil(k.name:find("[%c\\]"))
      local year = tonumber(k.last_write_iso:sub(1, 4))
      assert.is_true(year >= 1993 and year < 2100)
      if not k.path:find("^<orphan>") then resolved = resolved + 1 end
      for v in k:values() do assert(v) end
    end
    assert.is_true(resolved > #keys / 2)
  end)

  it("SYSTEM_B: the primary's free space holds deleted keys that replay reorganises away", function()
    local p = T.corpus_file("regipy/SYSTEM_B")
    if not p then return pending("HH_CORPUS absent: skipped") end
    assert.is_true(#deleted(assert(regf.open(p, {replay = false}))) > 1000)
  end)
end)

describe("the writer's deleted-service fixture", function()
  it("recovers PSEXESVC with its values, under its live Services key", function()
    local td = os.getenv("HH_TESTDATA")
    local p = td and td .. "/compromised/service-deleted"
    local f = p and io.open(p, "rb")
    if not f then return pending("fixture " .. tostring(p) .. " not built: skipped") end
    f:close()
    local h = assert(regf.open(p))
    local found
    for _, k in ipairs(deleted(h)) do
      if k.path == [[ControlSet001\Services\PSEXESVC]] then found = k end
    end
    assert.truthy(found)
    assert.is_true(found.recovered)
    assert.are.equal([[%SystemRoot%\PSEXESVC.exe]], assert(found:value("ImagePath")):data())
    assert.are.equal("2026-10-14T02:10:00Z", found.last_write_iso)
    assert.is_nil(h:key([[ControlSet001\Services\PSEXESVC]]))
  end)
end)
