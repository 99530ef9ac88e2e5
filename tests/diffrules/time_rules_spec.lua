local H = dofile((os.getenv("HH_SOURCE_DIR") or ".") .. "/tests/diffrules/helpers.lua")
local time = require "hh.time"
local R = H.rules("hh.rules.time")
local window_rule, cluster_rule = R["lastwrite-in-window"], R["lastwrite-cluster"]

local DAY = 86400
local INSTALL = time.parse("2016-01-10T08:00:00Z")

-- Deterministic pseudo-random numbers so the fixture is the same every run.
local function prng(seed)
  return function(lo, hi)
    seed = (seed * 1103515245 + 12345) % 2147483648
    return lo + seed % (hi - lo + 1)
  end
end

local function svc(name, epoch, extra)
  local spec = { name = name, image_path = [[C:\Windows\System32\]] .. name .. ".exe",
                 last_write_epoch = epoch, last_write = epoch and time.format(epoch) }
  for k, v in pairs(extra or {}) do spec[k] = v end
  return H.row(spec)
end

-- A hive's current set: ~300 keys written during the install (two hours),
-- a patch day 200 days later (40 keys over about six hours, with one pause
-- longer than an hour), and optionally a burst of 12 keys within 50 minutes
-- two years after the install.
local function fixture(opts)
  opts = opts or {}
  local rnd = prng(7)
  local rows = {}
  local t = INSTALL
  for i = 1, 300 do
    t = t + rnd(5, 40)
    rows[#rows + 1] = svc(string.format("inst%03d", i), t)
  end
  t = INSTALL + 200 * DAY + 3 * 3600
  for i = 1, 40 do
    t = t + (i == 20 and 75 * 60 or rnd(120, 900))
    rows[#rows + 1] = svc(string.format("patch%02d", i), t)
  end
  if opts.burst ~= false then
    t = opts.burst_at or (INSTALL + 730 * DAY + 13 * 3600)
    for i = 1, 12 do
      t = t + rnd(60, 250)
      rows[#rows + 1] = svc(string.format("burst%02d", i), t)
    end
  end
  return rows
end

local function names_of(hits)
  local s = {}
  for _, h in ipairs(hits) do s[#s + 1] = h.row.name end
  table.sort(s)
  return s
end

local function burst_names()
  local s = {}
  for i = 1, 12 do s[i] = string.format("burst%02d", i) end
  return s
end

describe("lastwrite-in-window", function()
  local rows = {
    svc("before", time.parse("2020-12-31T23:59:59Z")),
    svc("first", time.parse("2021-01-01T00:00:00Z")),
    svc("inside", time.parse("2021-01-15T12:00:00Z")),
    svc("last", time.parse("2021-01-31T23:59:59Z")),
    svc("after", time.parse("2021-02-01T00:00:00Z")),
    -- ServiceDll swap: only the Parameters key was written in the window
    svc("paramsonly", time.parse("2019-01-01T00:00:00Z"),
        { parameters_last_write = "2021-01-20T00:00:00Z" }),
    -- the other control set is a copy: not reported
    svc("otherset", time.parse("2021-01-15T12:00:00Z"), { set = 2 }),
    -- a deleted key recovered from the hive: reported
    svc("ghost", time.parse("2021-01-16T00:00:00Z"), { recovered = true }),
    svc("notime", nil),
  }
  local since, till = time.parse("2021-01-01"), time.parse("2021-01-31T23:59:59Z")

  it("meets the set-rule contract", function()
    H.check_contract(window_rule)
  end)

  it("is silent without a window", function()
    assert.same({}, window_rule.evaluate(H.input(rows), {}))
  end)

  it("reports current-set keys written inside the window, bounds included", function()
    local hits = window_rule.evaluate(H.input(rows, { since = since, ["until"] = till }), {})
    assert.same({ "first", "ghost", "inside", "last", "paramsonly" }, names_of(hits))
    -- newest first
    assert.equals("last", hits[1].row.name)
    local by = {}
    for _, h in ipairs(hits) do by[h.row.name] = h end
    assert.equals("Parameters key", by.paramsonly.evidence.written)
    assert.equals("2021-01-20T00:00:00Z", by.paramsonly.evidence.parameters_last_write)
    assert.is_true(by.ghost.evidence.recovered)
    assert.equals("2021-01-01T00:00:00Z", by.first.evidence.since)
    assert.equals("2021-01-31T23:59:59Z", by.first.evidence["until"])
  end)

  it("accepts ISO 8601 bounds too, and refuses bad ones", function()
    local hits = window_rule.evaluate(H.input(rows, { since = "2021-01-01", ["until"] = "2021-01-31T23:59:59Z" }), {})
    assert.same({ "first", "ghost", "inside", "last", "paramsonly" }, names_of(hits))
    local ok, err = pcall(window_rule.evaluate, H.input(rows, { since = "yesterday" }), {})
    assert.is_false(ok)
    assert.truthy(err:find("--since", 1, true))
  end)

  it("accepts an open-ended window", function()
    local hits = window_rule.evaluate(H.input(rows, { since = time.parse("2021-01-31T23:59:59Z") }), {})
    assert.same({ "after", "last" }, names_of(hits))
    hits = window_rule.evaluate(H.input(rows, { ["until"] = time.parse("2020-12-31T23:59:59Z") }), {})
    assert.same({ "before", "paramsonly" }, names_of(hits)) -- its service key is from 2019
  end)
end)

describe("lastwrite-cluster", function()
  it("meets the set-rule contract; the module exposes the knobs", function()
    H.check_contract(cluster_rule)
    assert.equals(3600, require("hh.rules.time").knobs.window)
  end)

  it("finds a planted burst of 12 keys two years after install, medium: time alone is not high", function()
    local hits = cluster_rule.evaluate(H.input(fixture()), {})
    assert.same(burst_names(), names_of(hits))
    for _, h in ipairs(hits) do
      assert.equals("medium", h.severity)
      assert.equals("unexplained", h.evidence.burst_kind)
      assert.equals(12, h.evidence.burst_size)
      assert.is_true(h.evidence.burst_span_seconds <= 3600)
      assert.is_true(h.evidence.nearest_bulk_days > 500)
      assert.equals(352, h.evidence.keys_considered)
      assert.equals(12, #h.evidence.burst_members)
      assert.equals("2016-07-28", h.evidence.nearest_bulk_first:sub(1, 10)) -- the patch day
      assert.is_true(h.evidence.nearest_bulk_size >= 40)
    end
    assert.truthy(hits[1].message:find("one of 12 service keys written within", 1, true))
    assert.truthy(hits[1].message:find("on 2018-01-09", 1, true))
  end)

  it("does not flag the install or a patch day", function()
    local hits = cluster_rule.evaluate(H.input(fixture { burst = false }), {})
    assert.same({}, hits)
  end)

  it("never makes a patch day high, even when the knobs let it through as a burst", function()
    local input = H.input(fixture(), { args = { cluster_bulk_min_size = "100", cluster_max_share = "0.2" } })
    local hits = cluster_rule.evaluate(input, {})
    local patch, burst = 0, 0
    for _, h in ipairs(hits) do
      if h.row.name:find("^patch") then
        patch = patch + 1
        assert.are_not.equal("high", h.severity)
      else
        assert.truthy(h.row.name:find("^burst"))
        burst = burst + 1
        assert.equals("medium", h.severity)
      end
    end
    assert.equals(40, patch) -- reported (medium): the knobs made it a burst
    assert.equals(12, burst)
  end)

  it("does not report a burst right next to a patch day", function()
    local hits = cluster_rule.evaluate(H.input(fixture { burst_at = INSTALL + 201 * DAY }), {})
    assert.same({}, hits)
  end)

  it("lowers every burst to low where isolated batches are routine", function()
    local rows = fixture()
    local rnd = prng(99)
    for b = 1, 4 do -- four small software installs months apart
      local t = INSTALL + (300 + 80 * b) * DAY
      for i = 1, 4 do
        t = t + rnd(30, 300)
        rows[#rows + 1] = svc(string.format("sw%d_%d", b, i), t)
      end
    end
    local hits = cluster_rule.evaluate(H.input(rows), {})
    assert.equals(12 + 16, #hits)
    for _, h in ipairs(hits) do
      assert.equals("low", h.severity)
      assert.equals(5, h.evidence.bursts_in_hive)
    end
    assert.truthy(hits[#hits].message:find("(one of 5 such bursts)", 1, true))
  end)

  it("reports two bursts after the install at medium, neither high", function()
    local rows = fixture()
    local t = INSTALL + 500 * DAY
    for i = 1, 6 do -- a compact install of six keys: two compact bursts now
      t = t + 200
      rows[#rows + 1] = svc("sw" .. i, t)
    end
    local hits = cluster_rule.evaluate(H.input(rows), {})
    assert.equals(18, #hits)
    for _, h in ipairs(hits) do assert.equals("medium", h.severity) end
  end)

  it("says when a burst holds driver keys only (a device install)", function()
    local rows = fixture { burst = false }
    local t = INSTALL + 730 * DAY
    for i = 1, 8 do
      t = t + 30
      rows[#rows + 1] = svc("drv" .. i, t, { type = 1 })
    end
    local hits = cluster_rule.evaluate(H.input(rows), {})
    assert.equals(8, #hits)
    assert.equals("medium", hits[1].severity)
    assert.is_true(hits[1].evidence.drivers_only)
    assert.truthy(hits[1].message:find("driver keys only", 1, true))
    -- one Win32 service in the burst makes it an ordinary burst again
    rows[#rows + 1] = svc("svc", t + 30, { type = 0x10 })
    hits = cluster_rule.evaluate(H.input(rows), {})
    assert.equals("medium", hits[1].severity)
    assert.is_nil(hits[1].evidence.drivers_only)
  end)

  -- The shape of the clean/compromised fixture pair: a small hive, a patch
  -- day of ten keys that includes TrustedInstaller, and (compromised) twelve
  -- keys rewritten years later.
  local function small_hive(with_burst)
    local rows = {}
    for i = 1, 60 do rows[#rows + 1] = svc("inst" .. i, INSTALL + i * 90) end
    local patch = INSTALL + 93 * DAY
    rows[#rows + 1] = svc("TrustedInstaller", patch)
    for i = 1, 9 do rows[#rows + 1] = svc("upd" .. i, patch + i * 190) end
    for i = 1, 12 do
      rows[#rows + 1] = svc("b" .. i, with_burst and INSTALL + 948 * DAY + i * 300 or INSTALL + 60 * 90 + i)
    end
    return rows
  end

  it("treats a batch with the servicing key as a patch day, even in a small hive", function()
    assert.same({}, cluster_rule.evaluate(H.input(small_hive(false)), {}))
    local hits = cluster_rule.evaluate(H.input(small_hive(true)), {})
    assert.equals(12, #hits)
    for _, h in ipairs(hits) do
      assert.truthy(h.row.name:find("^b%d"))
      assert.equals("medium", h.severity)
    end
    -- without the servicing test, time alone cannot tell this patch day
    -- from the planted burst: it comes out as a burst
    hits = cluster_rule.evaluate(H.input(small_hive(false), { args = { cluster_servicing = "0" } }), {})
    assert.equals(10, #hits)
    assert.equals("medium", hits[1].severity)
  end)

  it("keeps a burst older than the install low, and out of the counts", function()
    local rows = fixture()
    for i = 1, 6 do -- keys carried over from an old image, written together
      rows[#rows + 1] = svc("tmpl" .. i, INSTALL - 3000 * DAY + i)
    end
    local hits = cluster_rule.evaluate(H.input(rows), {})
    local by = {}
    for _, h in ipairs(hits) do by[h.row.name] = h end
    assert.equals(18, #hits)
    assert.equals("low", by.tmpl1.severity)
    assert.is_true(by.tmpl1.evidence.before_install)
    assert.truthy(by.tmpl1.message:find("before the hive's bulk", 1, true))
    assert.equals("medium", by.burst01.severity) -- still the only burst after the install
    assert.equals(1, by.burst01.evidence.bursts_in_hive)
  end)

  it("needs enough keys to know what normal looks like", function()
    local rows = {}
    for i = 1, 19 do rows[i] = svc("s" .. i, INSTALL + i * 30 * DAY) end
    assert.same({}, cluster_rule.evaluate(H.input(rows), {}))
  end)

  it("ignores groups smaller than min_size unless told otherwise", function()
    local rows = fixture { burst = false }
    rows[#rows + 1] = svc("lonely", INSTALL + 900 * DAY)
    assert.same({}, cluster_rule.evaluate(H.input(rows), {}))
    local hits = cluster_rule.evaluate(H.input(rows, { args = { cluster_min_size = "1" } }), {})
    assert.same({ "lonely" }, names_of(hits))
  end)

  it("counts the current set only and uses the Parameters key's time", function()
    local rows = fixture { burst = false }
    -- a mirror of the install in ControlSet002 would double the bulk; a
    -- non-current copy of a burst is not a burst of this hive
    for i = 1, 12 do
      rows[#rows + 1] = svc("copy" .. i, INSTALL + 730 * DAY + i * 60, { set = 2 })
    end
    assert.same({}, cluster_rule.evaluate(H.input(rows, { current_control_set = "ControlSet001" }), {}))
    -- ServiceDll swaps: the service keys are old, their Parameters keys new
    for i = 1, 12 do
      rows[i].parameters_last_write = time.format(INSTALL + 730 * DAY + i * 120)
      rows[i].parameters_last_write_epoch = time.parse(rows[i].parameters_last_write)
    end
    local hits = cluster_rule.evaluate(H.input(rows, { current_control_set = "ControlSet001" }), {})
    assert.equals(12, #hits)
    for _, h in ipairs(hits) do
      assert.equals("parameters", h.evidence.written)
      assert.equals("ControlSet001", h.row.control_set)
    end
  end)

  it("stays silent when the analyst gave a window", function()
    assert.same({}, cluster_rule.evaluate(H.input(fixture(), { since = INSTALL }), {}))
  end)

  it("refuses a knob that is not a number, naming it", function()
    local ok, err = pcall(cluster_rule.evaluate, H.input(fixture(), { args = { cluster_window = "1h" } }), {})
    assert.is_false(ok)
    assert.equals("services.cluster_window: expected a non-negative number, got '1h'", err)
  end)

  it("a larger window merges what a smaller one splits", function()
    local rows = fixture { burst = false }
    -- two halves of a burst 3 hours apart
    for i = 1, 6 do rows[#rows + 1] = svc("a" .. i, INSTALL + 730 * DAY + i * 60) end
    for i = 1, 6 do rows[#rows + 1] = svc("b" .. i, INSTALL + 730 * DAY + 3 * 3600 + i * 60) end
    local hits = cluster_rule.evaluate(H.input(rows), {})
    assert.equals(12, #hits)
    assert.equals(6, hits[1].evidence.burst_size)
    hits = cluster_rule.evaluate(H.input(rows, { args = { cluster_window = "14400" } }), {})
    assert.equals(12, hits[1].evidence.burst_size)
  end)

  -- Windows' own services (hh.inbox names, System32 binaries) rewritten
  -- together: the shape of a cumulative update.
  local INBOX = { "RpcSs", "DcomLaunch", "PlugPlay", "Power", "LSM", "SysMain", "kbldfltr", "HidBth",
                  "WUDFRd", "Themes", "Schedule", "gpsvc", "SENS", "EventSystem", "CryptSvc",
                  "Dnscache", "nsi", "Tcpip", "Ntfs", "FltMgr" }
  local function servicing_rows(step, extra)
    local rows = fixture { burst = false }
    local t = INSTALL + 730 * DAY
    for i, name in ipairs(INBOX) do
      rows[#rows + 1] = svc(name, t + (i - 1) * step, { object_name = "LocalSystem" })
    end
    for _, r in ipairs(extra or {}) do rows[#rows + 1] = r end
    return rows, t
  end

  it("reads Windows' own services rewritten within seconds as servicing: low, weight 0", function()
    local hits = cluster_rule.evaluate(H.input((servicing_rows(1))), {})
    assert.equals(20, #hits)
    for _, h in ipairs(hits) do
      assert.equals("low", h.severity)
      assert.equals(0, h.weight)
      assert.equals("servicing", h.evidence.burst_kind)
      assert.is_true(h.evidence.windows_service)
      assert.truthy(h.message:find("Windows servicing", 1, true))
    end
  end)

  it("does not read them as servicing when they were written over an hour, or with an odd account", function()
    local hits = cluster_rule.evaluate(H.input((servicing_rows(180))), {})
    assert.equals(20, #hits)
    assert.equals("unexplained", hits[1].evidence.burst_kind)
    assert.equals("medium", hits[1].severity)
    local rows = servicing_rows(1)
    rows[#rows].object_name = [[CORP\svc-backup]]
    hits = cluster_rule.evaluate(H.input(rows), {})
    assert.equals("unexplained", hits[1].evidence.burst_kind)
  end)

  it("reads a burst with a binary outside the system directories as a lead: that member medium, the rest low", function()
    local rows, t = servicing_rows(1)
    rows[#rows + 1] = svc("updsvc", t + 25, { image_path = [["C:\Program Files\Acme\upd.exe" --tmp C:\Windows\Temp]] })
    local hits = cluster_rule.evaluate(H.input(rows), {})
    assert.equals(21, #hits)
    for _, h in ipairs(hits) do
      assert.equals("lead", h.evidence.burst_kind)
      assert.same({ "updsvc" }, h.evidence.burst_leads)
      if h.row.name == "updsvc" then
        assert.equals("medium", h.severity)
        assert.truthy(h.evidence.leads[1]:find("outside the system directories", 1, true))
      else
        assert.equals("low", h.severity)
        assert.truthy(h.message:find("written with updsvc", 1, true))
      end
    end
  end)

  it("reads a service another rule flags, or one in no other control set, as a lead; never high", function()
    local rows, t = servicing_rows(1)
    local flagged = rows[#rows]   -- FltMgr
    rows[#rows + 1] = svc("fresh", t + 26)
    -- the other set holds every service but "fresh"
    for _, r in ipairs(servicing_rows(1)) do
      rows[#rows + 1] = svc(r.name, r.last_write_epoch, { set = 2 })
    end
    local ctx = { flagged = function(row)
      if row == flagged then return { "path-programdata", "lastwrite-cluster" } end
      return {}
    end }
    local hits = cluster_rule.evaluate(H.input(rows, { current_control_set = "ControlSet001" }), ctx)
    local by = {}
    for _, h in ipairs(hits) do by[h.row.name] = h end
    assert.equals("medium", by.FltMgr.severity)
    assert.same({ "flagged by path-programdata" }, by.FltMgr.evidence.leads)
    assert.equals("medium", by.fresh.severity)
    assert.same({ "new: in no other control set (ControlSet002)" }, by.fresh.evidence.leads)
    assert.equals("low", by.RpcSs.severity)
    for _, h in ipairs(hits) do assert.are_not.equal("high", h.severity) end
  end)

  it("dates a member by the write that put it in the burst", function()
    local rows = fixture()
    local r = rows[5]
    r.parameters_last_write = time.format(INSTALL + 730 * DAY + 13 * 3600 + 200)
    r.parameters_last_write_epoch = time.parse(r.parameters_last_write)
    local hits = cluster_rule.evaluate(H.input(rows), {})
    local h
    for _, x in ipairs(hits) do if x.row == r then h = x end end
    assert.equals(r.parameters_last_write, h.datetime)
    assert.equals("Service Parameters key LastWrite", h.timestamp_desc)
    assert.are_not.equal(r.last_write, h.datetime)
  end)
end)
