-- service-deleted on the demo case: PsExec's deleted service key, recovered
-- from free cells, is reported as deleted, with its ImagePath, and never as
-- a live row of the services listing without its recovered flag.
local bin = assert(os.getenv("HH_BIN"))
local fixtures = assert(os.getenv("HH_TESTDATA"))
local cjson = require "cjson"

local function sh(s) return "'" .. s:gsub("'", "'\\''") .. "'" end
local function lines(cmd)
  local p = assert(io.popen(cmd))
  local out = {}
  for line in p:lines() do out[#out + 1] = cjson.decode(line) end
  p:close()
  return out
end

describe("service-deleted", function()
  it("reports the deleted PSEXESVC of the demo case with its ImagePath", function()
    local found
    for _, f in ipairs(lines(sh(bin) .. " hunt " .. sh(fixtures .. "/demo/SYSTEM") .. " --format jsonl 2>/dev/null")) do
      if f.rule == "service-deleted" then found = f end
    end
    assert.truthy(found, "no service-deleted finding")
    assert.are.equal("PSEXESVC", found.service)
    assert.are.equal("%SystemRoot%\\PSEXESVC.exe", found.image_path)
    assert.is_true(found.evidence.recovered)
    assert.are.equal("2026-10-14T02:10:00Z", found.last_write)
  end)
  it("marks the recovered row in the services listing", function()
    local row
    for _, r in ipairs(lines(sh(bin) .. " services " .. sh(fixtures .. "/demo/SYSTEM") .. " --format jsonl 2>/dev/null")) do
      if r.name == "PSEXESVC" then row = r end
    end
    assert.truthy(row)
    assert.is_true(row.recovered)
  end)
  it("stays silent on the clean hive", function()
    for _, f in ipairs(lines(sh(bin) .. " hunt " .. sh(fixtures .. "/clean/SYSTEM") .. " --format jsonl 2>/dev/null")) do
      assert.are_not.equal("service-deleted", f.rule)
    end
  end)
end)
