-- plugin.services on a hostile hive from HH_CORPUS (skipped where absent):
-- one key's value count is corrupted. Debian's libregf would read past its
-- buffer for ~10 s on it; the host caps the count at what the key's value
-- list holds before libregf sees it (host/hive/guard.c), so the walk reads
-- every service, quickly, and the hive's warnings name the lying key.
local regf = require "hh.regf"
local services = require "plugin.services"

local corpus = os.getenv("HH_CORPUS")
local rel = "hostile/libregf-nvalues-overflow.hive"
local path = corpus and corpus .. "/" .. rel
local f = path and io.open(path, "rb")
if f then f:close() else path = nil end

describe("services.collect on a hostile hive (" .. rel .. ")", function()
  if not path then
    pending("corpus hive " .. rel .. " absent (HH_CORPUS=" .. tostring(corpus) .. "): skipped")
    return
  end
  it("returns every service, quickly, and names the key whose value count lied", function()
    local start = os.clock()
    local hive = assert(regf.open(path))
    local input = assert(services.collect(hive))
    assert.is_true(os.clock() - start < 2, "took " .. (os.clock() - start) .. " s of CPU")
    local names = {}
    for _, r in ipairs(input.rows) do names[r.name] = true end
    assert.is_true(names.Foo, "the key with the capped count is read")
    assert.is_true(#input.rows >= 4)
    local named = false
    for _, w in ipairs(hive.warnings) do
      if w:find("key 'Foo'", 1, true) and w:find("value list holds", 1, true) then named = true end
    end
    assert.is_true(named, table.concat(hive.warnings, "\n"))
  end)
end)

