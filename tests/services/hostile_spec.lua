-- plugin.services on a hostile hive from HH_CORPUS (skipped where absent):
-- one key's value count is corrupted. Debian's libregf spends ~10 s on it
-- before giving up on that key; the walk must still return the other
-- services and name the key it could not read.
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
  it("returns what it can read and names what it could not", function()
    local input = assert(services.collect(assert(regf.open(path))))
    assert.is_true(#input.rows >= 3)
    local named = false
    for _, w in ipairs(input.warnings) do
      if w:find([[ControlSet001\Services: service key #]], 1, true) then named = true end
    end
    assert.is_true(named, table.concat(input.warnings, "\n"))
  end)
end)

