-- The raw layer as every subcommand sees it: hivehunt services on the
-- dirty and the damaged corpus hives.
package.path = os.getenv("HH_SOURCE_DIR") .. "/tests/raw/?.lua;" .. package.path
local cjson = require "cjson"
local T = require "rawtest"

local BIN = os.getenv("HH_BIN")

local function services(path, ...)
  local err = os.tmpname()
  local cmd = string.format("'%s' services '%s' --format jsonl %s 2>'%s'", BIN, path, table.concat({...}, " "), err)
  local p = assert(io.popen(cmd))
  local rows = {}
  for line in p:lines() do rows[#rows + 1] = cjson.decode(line) end
  local ok = p:close()
  local f = assert(io.open(err))
  local stderr = f:read("a")
  f:close()
  os.remove(err)
  return ok, rows, stderr
end

local function count_set(rows, set)
  local n = 0
  for _, r in ipairs(rows) do
    if r.control_set == set then n = n + 1 end
  end
  return n
end

describe("hivehunt services over the raw layer", function()
  it("corrupted_system_hive: the 198 intact ControlSet001 services, a warning, no garbage names", function()
    local p = T.corpus_file("regipy/corrupted_system_hive")
    if not p then return pending("HH_CORPUS absent: skipped") end
    local ok, rows, stderr = services(p)
    assert.is_true(ok, stderr)
    assert.are.equal(198, count_set(rows, "ControlSet001"))
    for _, r in ipairs(rows) do
      assert.is_nil(r.name:find("[%c\\]"), r.name)
    end
    assert.truthy(stderr:find("read from raw cells", 1, true))
  end)

  it("SYSTEM_B: 656 services replayed, 655 with --no-replay, and says which", function()
    local p = T.corpus_file("regipy/SYSTEM_B")
    if not p then return pending("HH_CORPUS absent: skipped") end
    local ok, rows, stderr = services(p)
    assert.is_true(ok, stderr)
    assert.are.equal(656, count_set(rows, "ControlSet001"))
    assert.truthy(stderr:find("replayed 24 log entries", 1, true))
    local found = false
    for _, r in ipairs(rows) do
      if r.name == "ad_driver" and r.control_set == "ControlSet001" then
        found = true
        assert.are.equal([[\??\C:\Users\jcloudy\AppData\Local\Temp\ad_driver.sys]], r.image_path)
      end
    end
    assert.is_true(found, "the service that exists only in the logs")
    local ok2, rows2, stderr2 = services(p, "--no-replay")
    assert.is_true(ok2, stderr2)
    assert.are.equal(655, count_set(rows2, "ControlSet001"))
  end)
end)
