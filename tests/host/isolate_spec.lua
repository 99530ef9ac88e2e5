-- The parent's side of a hunt's child process: a report the parent cannot
-- hold stops the child (it would otherwise wait forever on a full pipe)
-- and is one line naming the hive, exit 3, no report file.
local bin = assert(os.getenv("HH_BIN"))
local fixtures = assert(os.getenv("HH_TESTDATA"))
local fail_mremap = assert(os.getenv("HH_FAIL_MREMAP"))

local function sh(s) return "'" .. s:gsub("'", "'\\''") .. "'" end
local function slurp(p) local f = assert(io.open(p, "rb")); local s = f:read("a"); f:close(); return s end
local function exists(p) local f = io.open(p, "rb"); if f then f:close() return true end return false end

describe("hivehunt's parent process", function()
  it("stops a child whose report it cannot hold, and says so", function()
    local hive = fixtures .. "/bench/SYSTEM-5000" -- its HTML report is over 5 MB
    local out, err = os.tmpname(), os.tmpname()
    os.remove(out)
    -- (a sanitizer build's runtime must otherwise come first in the preload list)
    local cmd = "ASAN_OPTIONS=\"${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0\" LD_PRELOAD=" .. sh(fail_mremap)
      .. " timeout 120 " .. sh(bin) .. " hunt " .. sh(hive) .. " --format html --output " .. sh(out)
      .. " 2>" .. sh(err)
    local _, _, code = os.execute(cmd)
    local text = slurp(err)
    os.remove(err)
    assert.are.equal(3, code, text)
    assert.truthy(text:find("SYSTEM-5000: its report could not be read: Cannot allocate memory", 1, true), text)
    local lines = 0
    for line in text:gmatch("[^\n]+") do
      if not line:find("warning", 1, true) then lines = lines + 1 end
    end
    assert.are.equal(1, lines, text)
    assert.is_false(exists(out))
  end)
end)
