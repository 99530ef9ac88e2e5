-- Damaged hives: where libregf gives up, the raw cell reader goes on, reads
-- what is intact, says what was lost, and never turns garbage into keys.
package.path = os.getenv("HH_SOURCE_DIR") .. "/tests/raw/?.lua;" .. package.path
local regf = require "hh.regf"
local T = require "rawtest"

-- A name Windows could have written: printable, no backslash, no
-- replacement character from undecodable bytes.
local function plausible(name)
  return #name > 0 and #name <= 255 * 3 and not name:find("[%c\\]") and not name:find("\239\191\189", 1, true)
end

describe("corrupted_system_hive (XP SYSTEM with damaged hive bins)", function()
  local p = T.corpus_file("regipy/corrupted_system_hive")

  it("is unreadable without recovery, as libregf alone leaves it", function()
    if not p then return pending("HH_CORPUS absent: skipped") end
    local h, err = regf.open(p, {recover = false})
    assert.is_nil(h)
    assert.truthy(err:find("root key"))
  end)

  it("yields the 198 intact service keys of ControlSet001, with a warning", function()
    if not p then return pending("HH_CORPUS absent: skipped") end
    local h = assert(regf.open(p))
    assert.are.equal("SYSTEM", h.kind)
    assert.truthy(T.has_warning(h, "libregf cannot read the root key"))
    local services = assert(h:key([[ControlSet001\Services]]))
    local names = {}
    for s, err in services:subkeys() do
      assert(s, err)
      assert.is_false(s.recovered)
      assert.is_true(plausible(s.name), s.name)
      names[#names + 1] = s.name
    end
    assert.are.equal(198, #names)
    assert.are.equal(198, services.subkey_count)
    -- The loss is reported with the counts.
    assert.truthy(T.has_warning(h, [[subkey list of 'ControlSet001\Services' is damaged: 198 of 258]]))
  end)

  it("reads intact services' values through hive:key", function()
    if not p then return pending("HH_CORPUS absent: skipped") end
    local h = assert(regf.open(p))
    local tcpip = assert(h:key([[ControlSet001\Services\Tcpip]]))
    assert.are.equal([[system32\DRIVERS\tcpip.sys]], tcpip:value("ImagePath"):data())
    assert.are.equal(1, tcpip:value("start"):data()) -- names compare case-insensitively
    local dhcp = assert(h:key([[ControlSet001\services\DHCP]]))
    assert.are.equal([[%SystemRoot%\system32\svchost.exe -k netsvcs]], dhcp:value("ImagePath"):data())
    assert.is_nil(h:key([[ControlSet001\Services\NoSuchService]]))
    assert.are.equal(4, assert(h:key("Select")).value_count)
  end)

  it("never produces an implausible name anywhere in the tree", function()
    if not p then return pending("HH_CORPUS absent: skipped") end
    local h = assert(regf.open(p))
    local keys = 0
    local function walk(k)
      keys = keys + 1
      assert.is_true(plausible(k.name) or k.path == "", k.path)
      for v in k:values() do
        assert(v)
        assert.is_nil(v.name:find("%c"), k.path)
      end
      for s in k:subkeys() do walk(assert(s)) end
    end
    walk(assert(h:root()))
    assert.is_true(keys > 1000)
  end)
end)

describe("other hostile hives", function()
  for _, rel in ipairs {"yarp/TruncatedHive", "yarp/GarbageHive", "yarp/BogusKeyNamesHive", "yarp/UnicodeHive"} do
    it(rel .. " opens with a clear result or a clear error", function()
      local p = T.corpus_file(rel)
      if not p then return pending("HH_CORPUS absent: skipped") end
      local h, err = regf.open(p)
      if not h then
        assert.is_string(err)
        return
      end
      local keys = T.count(h)
      assert.is_true(keys >= 1)
    end)
  end
end)

