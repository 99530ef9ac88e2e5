-- Transaction log replay against Windows' own replay of the same hives.
package.path = os.getenv("HH_SOURCE_DIR") .. "/tests/raw/?.lua;" .. package.path
local regf = require "hh.regf"
local T = require "rawtest"

local function needs(rel)
  local p = T.corpus_file(rel)
  if not p then pending("HH_CORPUS absent (no " .. rel .. "): skipped") end
  return p
end

local function same_lines(a, b)
  assert.are.equal(#b, #a)
  for i = 1, #b do
    if a[i] ~= b[i] then
      assert.are.equal(b[i], a[i]) -- shows the first differing line
    end
  end
end

describe("new-format logs (NewDirtyHive1)", function()
  it("replays LOG1 then LOG2 and equals Windows 10's recovered hive", function()
    local dirty = needs("yarp/NewDirtyHive1__NewDirtyHive")
    local oracle = needs("yarp/NewDirtyHive1__RecoveredHive_Windows10")
    if not (dirty and oracle) then return end
    local h = assert(regf.open(dirty))
    assert.is_true(h.dirty)
    assert.is_true(h.replayed)
    assert.are.equal(4, h.log_entries_applied) -- sequence 2 (LOG1), 3..5 (LOG2)
    assert.truthy(T.has_warning(h, "replayed 4 log entries from NewDirtyHive1__NewDirtyHive%.LOG1"))
    local w = assert(regf.open(oracle))
    assert.is_false(w.dirty)
    same_lines(T.dump(h), T.dump(w))
    -- Without replay the hive differs from Windows' result: the test can fail.
    local raw = assert(regf.open(dirty, {replay = false}))
    assert.is_false(raw.replayed)
    assert.are_not.same(T.dump(w), T.dump(raw))
  end)
end)

describe("old-format log (OldDirtyHive)", function()
  it("applies the dirty vector's pages and equals Windows 7's recovered hive", function()
    local dirty = needs("yarp/OldDirtyHive__OldDirtyHive")
    local oracle = needs("yarp/OldDirtyHive__RecoveredHive_Windows7")
    if not (dirty and oracle) then return end
    local h = assert(regf.open(dirty))
    assert.is_true(h.replayed)
    assert.are.equal(1, h.log_entries_applied)
    assert.truthy(T.has_warning(h, "old format"))
    local w = assert(regf.open(oracle))
    same_lines(T.dump(h), T.dump(w))
    local raw = assert(regf.open(dirty, {replay = false}))
    assert.are_not.same(T.dump(w), T.dump(raw))
  end)
end)

describe("damaged base block with its log (BadBaseBlockHive)", function()
  it("restores the base block from the log and replays it, saying so", function()
    local dirty = needs("yarp/BadBaseBlockHive__BadBaseBlockHive")
    local oracle = needs("yarp/OldDirtyHive__RecoveredHive_Windows7")
    if not (dirty and oracle) then return end
    local h = assert(regf.open(dirty))
    assert.truthy(T.has_warning(h, "checksum mismatch"))
    assert.is_true(h.replayed)
    -- The same hive as OldDirtyHive with its base block spoiled: once the
    -- log's copy replaces it, the result is Windows' recovery of that hive.
    same_lines(T.dump(h), T.dump(assert(regf.open(oracle))))
  end)
end)

describe("SYSTEM_B (Windows 10 1709, dirty)", function()
  local p = T.corpus_file("regipy/SYSTEM_B")
  local function services(h)
    return #T.subkey_names(assert(h:key([[ControlSet001\Services]])))
  end
  it("without replay: 655 services, 33,123 keys, 74,957 values", function()
    if not p then return pending("HH_CORPUS absent: skipped") end
    local h = assert(regf.open(p, {replay = false}))
    assert.is_true(h.dirty)
    assert.is_false(h.replayed)
    local keys, values = T.count(h)
    assert.are.same({655, 33123, 74957}, {services(h), keys, values})
  end)
  it("with replay: 656 services, 35,595 keys, 78,901 values", function()
    if not p then return pending("HH_CORPUS absent: skipped") end
    local h = assert(regf.open(p))
    assert.is_true(h.replayed)
    assert.are.equal(24, h.log_entries_applied) -- 0x83b..0x83e from LOG1, 0x83f..0x852 from LOG2
    local keys, values = T.count(h)
    assert.are.same({656, 35595, 78901}, {services(h), keys, values})
  end)
  it("finds the service that exists only in the logs", function()
    if not p then return pending("HH_CORPUS absent: skipped") end
    local before = {}
    for _, n in ipairs(T.subkey_names(assert(assert(regf.open(p, {replay = false})):key([[ControlSet001\Services]])))) do
      before[n] = true
    end
    local only = {}
    for _, n in ipairs(T.subkey_names(assert(assert(regf.open(p)):key([[ControlSet001\Services]])))) do
      if not before[n] then only[#only + 1] = n end
    end
    assert.are.same({"ad_driver"}, only) -- AccessData (FTK) driver loaded from a user Temp folder
  end)
end)

describe("log discovery and options", function()
  it("warns when a dirty hive has no logs beside it", function()
    local dirty = needs("yarp/NewDirtyHive1__NewDirtyHive")
    if not dirty then return end
    local dir = T.tmpdir()
    T.copy(dirty, dir .. "/SYSTEM")
    local h = assert(regf.open(dir .. "/SYSTEM"))
    assert.is_true(h.dirty)
    assert.is_false(h.replayed)
    assert.truthy(T.has_warning(h, "no transaction logs were found"))
    -- Logs in another letter case beside it are found.
    T.copy(dirty .. ".LOG1", dir .. "/system.log1")
    T.copy(dirty .. ".LOG2", dir .. "/System.Log2")
    local h2 = assert(regf.open(dir .. "/SYSTEM"))
    assert.is_true(h2.replayed)
    assert.are.equal(4, h2.log_entries_applied)
    os.execute("rm -rf '" .. dir .. "'")
  end)
  it("takes explicit logs, and replays only what they hold", function()
    local dirty = needs("yarp/NewDirtyHive1__NewDirtyHive")
    if not dirty then return end
    local dir = T.tmpdir()
    T.copy(dirty, dir .. "/hive")
    -- LOG2 alone starts at sequence 3; the primary expects 2: the logs are
    -- ahead of the primary and are applied from their start.
    local h = assert(regf.open(dir .. "/hive", {logs = {dirty .. ".LOG2"}}))
    assert.are.equal(3, h.log_entries_applied)
    -- LOG1 alone holds sequence 2 only.
    local h1 = assert(regf.open(dir .. "/hive", {logs = {dirty .. ".LOG1"}}))
    assert.are.equal(1, h1.log_entries_applied)
    os.execute("rm -rf '" .. dir .. "'")
  end)
  it("rejects a log whose entry was tampered with, stopping before it", function()
    local dirty = needs("yarp/NewDirtyHive1__NewDirtyHive")
    if not dirty then return end
    local dir = T.tmpdir()
    T.copy(dirty, dir .. "/hive")
    T.copy(dirty .. ".LOG1", dir .. "/hive.LOG1")
    -- Flip one byte inside LOG2's second entry's pages: its hash-1 fails,
    -- so replay applies sequence 2 and 3 and stops.
    local f = assert(io.open(dirty .. ".LOG2", "rb"))
    local data = f:read("a")
    f:close()
    local second = data:find("HvLE", 514, true) -- the first entry sits at index 513
    assert.truthy(second)
    local at = second + 4096
    data = data:sub(1, at - 1) .. string.char((data:byte(at) + 1) % 256) .. data:sub(at + 1)
    local o = assert(io.open(dir .. "/hive.LOG2", "wb"))
    o:write(data)
    o:close()
    local h = assert(regf.open(dir .. "/hive"))
    assert.are.equal(2, h.log_entries_applied)
    assert.truthy(T.has_warning(h, "hash%-1"))
    os.execute("rm -rf '" .. dir .. "'")
  end)
end)

describe("hostile logs", function()
  -- Rewrites one new-format entry's hive bins size and fixes both hashes,
  -- the way an attacker would: the entry validates, yet asks for 2 GiB.
  it("a log entry cannot grow the image past what the logs carry", function()
    local dirty = needs("yarp/NewDirtyHive1__NewDirtyHive")
    if not dirty then return end
    local dir = T.tmpdir()
    T.copy(dirty, dir .. "/hive")
    T.copy(dirty .. ".LOG1", dir .. "/hive.LOG1")
    local f = assert(io.open(dirty .. ".LOG2", "rb"))
    local data = f:read("a")
    f:close()
    -- The first entry of LOG2 (sequence 3) sits at offset 512: bins size at +16.
    local at = 513 + 16
    data = data:sub(1, at - 1) .. string.pack("<I4", 0x7FFFF000) .. data:sub(at + 4)
    -- First as is: its hash-2 no longer matches, replay stops after sequence 2.
    local o = assert(io.open(dir .. "/hive.LOG2", "wb"))
    o:write(data)
    o:close()
    local h = assert(regf.open(dir .. "/hive"))
    assert.are.equal(1, h.log_entries_applied)
    assert.truthy(T.has_warning(h, "hash%-2"))
    -- Then forged: hash-2 recomputed, the entry validates, and only the
    -- growth bound stops it.
    local header = data:sub(513, 513 + 31)
    local forged = data:sub(1, 513 + 31) .. string.pack("<I8", T.marvin32(T.LOG_SEED, header)) .. data:sub(513 + 40)
    o = assert(io.open(dir .. "/hive.LOG2", "wb"))
    o:write(forged)
    o:close()
    local h2 = assert(regf.open(dir .. "/hive"))
    assert.are.equal(1, h2.log_entries_applied)
    assert.truthy(T.has_warning(h2, "more than the logs could fill"))
    os.execute("rm -rf '" .. dir .. "'")
  end)
end)

describe("hostile old-format log", function()
  it("is not applied when a dirty page breaks the hive bin chain", function()
    local dirty = needs("yarp/OldDirtyHive__OldDirtyHive")
    if not dirty then return end
    local dir = T.tmpdir()
    T.copy(dirty, dir .. "/hive")
    local f = assert(io.open(dirty .. ".LOG1", "rb"))
    local data = f:read("a")
    f:close()
    -- The dirty page for hive bins offset 0x1000 is the second one, at log
    -- offset 5120: make its bin header claim another offset.
    assert.are.equal("hbin", data:sub(5121, 5124))
    data = data:sub(1, 5124) .. string.pack("<I4", 0x2000) .. data:sub(5129)
    local o = assert(io.open(dir .. "/hive.LOG1", "wb"))
    o:write(data)
    o:close()
    local h = assert(regf.open(dir .. "/hive"))
    assert.is_false(h.replayed)
    assert.truthy(T.has_warning(h, "breaks the bin chain"))
    os.execute("rm -rf '" .. dir .. "'")
  end)
end)
