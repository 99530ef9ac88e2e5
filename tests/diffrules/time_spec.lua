local time = require "hh.time"

describe("hh.time", function()
  it("knows fixed points", function()
    assert.equals(0, time.parse("1970-01-01T00:00:00Z"))
    assert.equals(0, time.days_from_civil(1970, 1, 1))
    assert.equals(951782400, time.parse("2000-02-29"))
    assert.equals(1333565531, time.parse("2012-04-04T18:52:11Z")) -- PSEXESVC in the Win7 hive
    assert.equals(-1, time.parse("1969-12-31T23:59:59Z"))
    assert.equals(-11644473600, time.parse("1601-01-01T00:00:00Z")) -- FILETIME epoch
    assert.equals(253402300799, time.parse("9999-12-31T23:59:59Z"))
  end)

  it("agrees with the C library's gmtime on many dates", function()
    -- os.date("!...") is the independent oracle; the module itself never uses os.
    local seed = 12345
    local function rnd(n) seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n end
    for _ = 1, 3000 do
      local e = rnd(2^31) * 3 - 2^31     -- roughly 1902 .. 2174
      local expect = os.date("!%Y-%m-%dT%H:%M:%SZ", e)
      assert.equals(expect, time.format(e))
      assert.equals(e, time.parse(expect))
      assert.equals(os.date("!%Y-%m-%d", e), time.format_date(e))
    end
  end)

  it("round-trips days through civil dates across four centuries", function()
    for z = time.days_from_civil(1600, 1, 1), time.days_from_civil(2401, 1, 1), 17 do
      local y, m, d = time.civil_from_days(z)
      assert.equals(z, time.days_from_civil(y, m, d))
    end
  end)

  it("accepts the ISO 8601 forms analysts type", function()
    local t = 1333565531
    assert.equals(t, time.parse("2012-04-04T18:52:11Z"))
    assert.equals(t, time.parse("2012-04-04t18:52:11z"))
    assert.equals(t, time.parse("2012-04-04 18:52:11"))
    assert.equals(t, time.parse("2012-04-04T18:52:11"))
    assert.equals(t, time.parse("2012-04-04T18:52:11+00:00"))
    assert.equals(t, time.parse("2012-04-04T20:52:11+02:00"))
    assert.equals(t, time.parse("2012-04-04T13:52:11-0500"))
    assert.equals(t, time.parse("2012-04-05T03:52:11+09"))
    assert.equals(t - 11, time.parse("2012-04-04T18:52Z"))
    assert.equals(t + 0.25, time.parse("2012-04-04T18:52:11.25Z"))
    assert.equals(t + 0.5, time.parse("2012-04-04T18:52:11,5Z"))
    assert.equals(t, time.parse("2012-04-04T18:52:11.0000000Z"))
    assert.equals("integer", math.type(time.parse("2012-04-04T18:52:11.000Z")))
    assert.equals(time.parse("2012-04-04"), t - (18 * 3600 + 52 * 60 + 11))
  end)

  local bad = {
    "", "2012", "2012-4-4", "2012-13-01", "2012-00-10", "2011-02-29", "2012-04-31",
    "2012-04-04T24:00:00Z", "2012-04-04T23:60:00Z", "2012-04-04T23:59:60Z",
    "2012-04-04T1:00:00Z", "2012-04-04T10:00:00X", "2012-04-04T10:00:00+5",
    "2012-04-04T10:00:00+24:00", "2012-04-04T10:00:00Z junk", "2012-04-04junk",
    "2012-04-04T10:00:00.Z",
  }
  for _, s in ipairs(bad) do
    it("rejects '" .. s .. "' with a reason", function()
      local v, err = time.parse(s)
      assert.is_nil(v)
      assert.is_string(err)
    end)
  end
  it("rejects a non-string", function()
    assert.is_nil((time.parse(12)))
  end)

  it("accepts leap days only in leap years", function()
    assert.truthy(time.parse("2000-02-29"))
    assert.truthy(time.parse("2024-02-29"))
    assert.is_nil((time.parse("1900-02-29")))
    assert.is_nil((time.parse("2100-02-29")))
  end)

  it("formats fractional epochs by rounding down", function()
    assert.equals("2012-04-04T18:52:11Z", time.format(1333565531.999))
    assert.equals("1969-12-31T23:59:59Z", time.format(-0.5))
  end)

  it("describes durations briefly", function()
    assert.equals("42 s", time.duration(42))
    assert.equals("47 min", time.duration(47 * 60 + 5))
    assert.equals("3 h", time.duration(3 * 3600))
    assert.equals("1.5 h", time.duration(5400))
    assert.equals("12 days", time.duration(12 * 86400 + 5))
    assert.equals("2.0 years", time.duration(730.5 * 86400))
  end)
end)
