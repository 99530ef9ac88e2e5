-- Each broken fixture really has the damage its note claims, checked on the
-- bytes (regfbytes.lua) and, where libregf notices, by regfinfo.
package.path = os.getenv("HH_SOURCE_DIR") .. "/tests/writer/?.lua;" .. package.path
local H = require "helpers"
local R = require "regfbytes"

local function services_child(h, pred)
  local services = h:find("ControlSet001\\Services")
  for _, k in ipairs(h:children(services)) do
    if pred(k) then return k end
  end
end

local function regfinfo(path)
  return H.run("regfinfo -v " .. H.quote(path))
end

describe("broken fixtures", function()
  it("truncated: cut at 40000 bytes, inside the hive bins", function()
    local path = H.path("broken/truncated")
    local h = R.load(path)
    assert.equal(40000, #h.data)
    assert.is_true(h:base().bins_size + 4096 > 40000)
    assert.equal(h:base().computed, h:base().checksum) -- only the length is wrong
    if H.have("regfinfo") then
      local out, err, code = regfinfo(path)
      assert.is_true(code ~= 0 or #err > 0, "regfinfo accepted a truncated hive:\n" .. out)
    end
  end)

  it("bad-checksum: the stored checksum does not match the base block", function()
    local path = H.path("broken/bad-checksum")
    local b = R.load(path):base()
    assert.are_not.equal(b.computed, b.checksum)
    -- everything else is the clean hive
    local clean = R.load(H.path("clean/SYSTEM"))
    assert.equal(#clean.data, #R.load(path).data)
    if H.have("regfinfo") then
      local _, err, code = regfinfo(path)
      assert.is_true(code ~= 0, "regfinfo accepted a bad checksum")
      assert.matches("checksum", err)
    end
  end)

  it("lying-cell-size: Spooler's nk cell claims 1 MiB, past the end of its bin", function()
    local h = R.load(H.path("broken/lying-cell-size"))
    local spooler = h:find("ControlSet001\\Services\\Spooler")
    assert.is_truthy(spooler)
    assert.equal(-1048576, h:cell_size(spooler.off))
    assert.is_true(1048576 > h:base().bins_size)
    -- ControlSet002's copy is untouched
    local other = h:find("ControlSet002\\Services\\Spooler")
    assert.is_true(h:cell_size(other.off) < 0 and h:cell_size(other.off) > -4096)
  end)

  it("subkey-cycle: Schedule's subkey list points back at Schedule", function()
    local h = R.load(H.path("broken/subkey-cycle"))
    local schedule = h:find("ControlSet001\\Services\\Schedule")
    local entries = h:list_entries(schedule.slist)
    local self_found = false
    for _, off in ipairs(entries) do
      if off == schedule.off then self_found = true end
    end
    assert.is_true(self_found)
    assert.equal(2, schedule.nsub) -- Parameters and itself
    assert.equal(schedule.off, h:find("ControlSet001\\Services\\Schedule\\Schedule\\Schedule").off)
  end)

  it("control-char-name: a compressed key name holding ESC, BEL and newline", function()
    local h = R.load(H.path("broken/control-char-name"))
    local k = services_child(h, function(c) return c.raw_name:find("\27[31m", 1, true) end)
    assert.is_truthy(k)
    assert.equal("Evil\27[31mSvc\7\nx", k.raw_name)
    assert.equal(0x20, k.flags & 0x20)
    local names = {}
    for _, v in ipairs(h:values(k)) do names[v.name] = true end
    assert.is_true(names["Odd\rName"])
  end)

  it("lone-surrogate-name: a UTF-16 key name with an unpaired high surrogate", function()
    local path = H.path("broken/lone-surrogate-name")
    local h = R.load(path)
    local want = "U\0p\0d\0\0\xD8a\0t\0e\0"
    local k = services_child(h, function(c) return c.raw_name == want end)
    assert.is_truthy(k)
    assert.equal(0, k.flags & 0x20)
    if H.have("regfinfo") then
      local _, err = regfinfo(path)
      assert.matches("surrogate", err)
    end
  end)
end)
