-- The diff and time rules on real hives, through `hivehunt services --format
-- jsonl` (the same export an analyst keeps as a baseline) decoded by hh.json.
-- Skipped, with the reason, when the corpus or the services command is not
-- there. What the rules report on each hive is written down here so a change
-- in behaviour shows up as a failing spec.
local H = dofile((os.getenv("HH_SOURCE_DIR") or ".") .. "/tests/diffrules/helpers.lua")
local json = require "hh.json"
local time = require "hh.time"
local controlset = H.rules("hh.rules.controlset")["controlset-mismatch"]
local cluster = H.rules("hh.rules.time")["lastwrite-cluster"]
local baseline = H.rules("hh.rules.baseline")

local CORPUS, BIN = os.getenv("HH_CORPUS"), os.getenv("HH_BIN")

local function readable(p)
  local f = p and io.open(p, "rb")
  if f then f:close(); return true end
  return false
end

-- rows, nil | nil, reason to skip
local cache = {}
local function export(rel)
  if cache[rel] then return table.unpack(cache[rel]) end
  local hive = CORPUS and (CORPUS .. "/" .. rel)
  local result
  if not readable(hive) then
    result = { nil, "corpus hive " .. rel .. " not found (HH_CORPUS=" .. tostring(CORPUS) .. ")" }
  elseif not readable(BIN) then
    result = { nil, "hivehunt binary not built (HH_BIN=" .. tostring(BIN) .. ")" }
  else
    local p = io.popen(string.format("'%s' services '%s' --format jsonl 2>&1", BIN, hive))
    local out = p:read("a")
    local ok = p:close()
    if not ok and out:find("unknown command", 1, true) then
      result = { nil, "hivehunt has no services command yet: " .. (out:match("[^\n]*") or "") }
    else
      -- once the command exists, failing on a corpus hive is a test failure
      assert(ok, "hivehunt services " .. rel .. " failed: " .. out:sub(1, 300))
      local rows, err = json.decode_lines(out)
      assert(rows, "hivehunt services --format jsonl is not valid jsonl: " .. tostring(err))
      for _, r in ipairs(rows) do
        -- the export carries ISO times; the policy input carries epochs too
        if r.last_write and not r.last_write_epoch then r.last_write_epoch = assert(time.parse(r.last_write)) end
        if r.parameters_last_write and not r.parameters_last_write_epoch then
          r.parameters_last_write_epoch = assert(time.parse(r.parameters_last_write))
        end
      end
      result = { rows }
    end
  end
  cache[rel] = result
  return table.unpack(result)
end

local function with_rows(rel, fn)
  return function()
    local rows, why = export(rel)
    if not rows then pending(why); return end
    fn(rows)
  end
end

local function current_set(rows)
  for _, r in ipairs(rows) do if r.current then return r.control_set end end
end

describe("diffrules on the corpus", function()
  it("Win7 SYSTEM: the driver present only in the current set is reported", with_rows("regipy/SYSTEM", function(rows)
    local hits = controlset.evaluate(H.input(rows, { current_control_set = current_set(rows) }), {})
    local presence = {}
    for _, h in ipairs(hits) do
      if h.evidence.difference == "presence" then presence[#presence + 1] = h end
    end
    assert.equals(1, #presence)
    assert.equals("Mnemosyne", presence[1].row.name)
    assert.equals("ControlSet001", presence[1].row.control_set)
    assert.same({ "ControlSet002" }, presence[1].evidence.absent_from)
    assert.equals("low", presence[1].severity)
  end))

  -- Measured with rows built from reglookup before the plugin existed:
  -- Win7: three bursts, none high (2001 Virtual PC keys before the install:
  -- low; VMware Tools + .NET 3.0 on 2011-07-05 and .NET 4 on 2011-09-09:
  -- medium); Win10, XP and NT4: none.
  local expected = {
    ["regipy/SYSTEM"] = 17, ["regipy/SYSTEM_B"] = 0, ["winevt-kb/SYSTEM_XP"] = 0, ["aiowinreg/SYSTEM"] = 0,
  }
  for rel, count in pairs(expected) do
    it(rel .. ": lastwrite-cluster flags " .. count .. " keys and nothing high", with_rows(rel, function(rows)
      local hits = cluster.evaluate(H.input(rows, { current_control_set = current_set(rows) }), {})
      for _, h in ipairs(hits) do assert.are_not.equal("high", h.severity, h.row.name) end
      assert.equals(count, #hits)
    end))
  end

  it("Win7 SYSTEM against its own export: no baseline findings; one planted Start change found",
    with_rows("regipy/SYSTEM", function(rows)
      local golden = H.copy(rows)
      local cur = current_set(rows)
      local input = H.input(rows, { current_control_set = cur, baseline = { rows = golden, source = "self" } })
      for id, rule in pairs(baseline) do
        assert.same({}, rule.evaluate(input, {}), id)
      end
      -- plant: the golden had PSEXESVC disabled (the hive has it on demand, 3)
      local planted
      for _, r in ipairs(golden) do
        if r.name == "PSEXESVC" and r.control_set == cur then planted = r.start; r.start = 4 end
      end
      assert.equals(3, planted)
      local hits = baseline["baseline-start-changed"].evaluate(input, {})
      assert.equals(1, #hits)
      assert.equals("PSEXESVC", hits[1].row.name)
      assert.equals(4, hits[1].evidence.old)
      assert.equals(3, hits[1].evidence.new)
    end))
end)
