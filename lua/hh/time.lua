-- hh.time: ISO 8601 UTC <-> Unix epoch seconds without os.time (the policy
-- sandbox has no os library). The day arithmetic is the proleptic Gregorian
-- "days from civil" method: shift the year to start in March so the leap day
-- is the last day of the year, then count 400-year eras of 146097 days.
-- Works for any year 0000-9999, before and after 1970.

local M = {}

local SECONDS_PER_DAY = 86400

-- Days since 1970-01-01 for a proleptic Gregorian date.
function M.days_from_civil(y, m, d)
  if m <= 2 then y = y - 1 end
  local era = y // 400
  local yoe = y - era * 400                                   -- [0, 399]
  local mp = (m + 9) % 12                                     -- March = 0
  local doy = (153 * mp + 2) // 5 + d - 1                     -- [0, 365]
  local doe = yoe * 365 + yoe // 4 - yoe // 100 + doy         -- [0, 146096]
  return era * 146097 + doe - 719468
end

-- Inverse of days_from_civil: y, m, d.
function M.civil_from_days(z)
  z = z + 719468
  local era = z // 146097
  local doe = z - era * 146097
  local yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
  local y = yoe + era * 400
  local doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
  local mp = (5 * doy + 2) // 153
  local d = doy - (153 * mp + 2) // 5 + 1
  local m = mp < 10 and mp + 3 or mp - 9
  if m <= 2 then y = y + 1 end
  return y, m, d
end

function M.is_leap(y)
  return y % 4 == 0 and (y % 100 ~= 0 or y % 400 == 0)
end

local month_days = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 }

function M.days_in_month(y, m)
  if m == 2 and M.is_leap(y) then return 29 end
  return month_days[m]
end

-- Epoch seconds for a UTC civil time (no range checks; see parse for those).
function M.epoch(y, m, d, hh, mm, ss)
  return M.days_from_civil(y, m, d) * SECONDS_PER_DAY + (hh or 0) * 3600 + (mm or 0) * 60 + (ss or 0)
end

-- time.parse(s) -> epoch | nil, reason.
-- Accepts YYYY-MM-DD, YYYY-MM-DDTHH:MM, YYYY-MM-DDTHH:MM:SS, with optional
-- fractional seconds (.f to any precision), and an optional zone: Z, +HH:MM,
-- -HH:MM, +HHMM or +HH. No zone means UTC (hivehunt works in UTC only).
-- 'T', 't' or one space separate date and time. The result is an integer
-- when there is no fraction, else a float.
function M.parse(s)
  if type(s) ~= "string" then return nil, "expected a string" end
  local y, mo, d, rest = s:match("^(%d%d%d%d)%-(%d%d)%-(%d%d)(.*)$")
  if not y then return nil, "expected YYYY-MM-DD[THH:MM[:SS[.fff]]][Z|+HH:MM]: '" .. s .. "'" end
  y, mo, d = tonumber(y), tonumber(mo), tonumber(d)
  if mo < 1 or mo > 12 then return nil, "month out of range in '" .. s .. "'" end
  if d < 1 or d > M.days_in_month(y, mo) then return nil, "day out of range in '" .. s .. "'" end
  local hh, mi, ss, frac = 0, 0, 0, nil
  local offset = 0
  if rest ~= "" then
    local h, m, tail = rest:match("^[Tt ](%d%d):(%d%d)(.*)$")
    if not h then return nil, "bad time part in '" .. s .. "'" end
    hh, mi = tonumber(h), tonumber(m)
    local sec, tail2 = tail:match("^:(%d%d)(.*)$")
    if sec then
      ss = tonumber(sec)
      tail = tail2
      local f, tail3 = tail:match("^[.,](%d+)(.*)$")
      if f then frac = tonumber("0." .. f); tail = tail3 end
    end
    if hh > 23 then return nil, "hour out of range in '" .. s .. "'" end
    if mi > 59 then return nil, "minute out of range in '" .. s .. "'" end
    -- A leap second (60) has no epoch value of its own.
    if ss > 59 then return nil, "second out of range in '" .. s .. "'" end
    if tail == "Z" or tail == "z" or tail == "" then
      offset = 0
    else
      local sign, oh, om = tail:match("^([+-])(%d%d):?(%d%d)$")
      if not sign then
        sign, oh = tail:match("^([+-])(%d%d)$")
        om = "00"
      end
      if not sign then return nil, "bad time zone in '" .. s .. "'" end
      oh, om = tonumber(oh), tonumber(om)
      if oh > 23 or om > 59 then return nil, "time zone out of range in '" .. s .. "'" end
      offset = (oh * 3600 + om * 60) * (sign == "-" and -1 or 1)
    end
  end
  local t = M.epoch(y, mo, d, hh, mi, ss) - offset
  if frac and frac > 0 then return t + frac end
  return t
end

-- time.format(epoch) -> "YYYY-MM-DDTHH:MM:SSZ" (fractions are dropped,
-- rounding down, so a time never moves into the next second).
function M.format(epoch)
  local t = math.floor(epoch)
  local days = t // SECONDS_PER_DAY
  local secs = t - days * SECONDS_PER_DAY
  local y, m, d = M.civil_from_days(days)
  return string.format("%04d-%02d-%02dT%02d:%02d:%02dZ",
    y, m, d, secs // 3600, secs % 3600 // 60, secs % 60)
end

-- time.format_date(epoch) -> "YYYY-MM-DD" (UTC day).
function M.format_date(epoch)
  local y, m, d = M.civil_from_days(math.floor(epoch) // SECONDS_PER_DAY)
  return string.format("%04d-%02d-%02d", y, m, d)
end

-- time.duration(seconds) -> short human text: "45 s", "12 min", "3.5 h",
-- "12 days", "2.1 years". For messages, not for parsing.
function M.duration(seconds)
  local s = math.abs(seconds)
  if s < 60 then return string.format("%d s", s // 1) end
  if s < 3600 then return string.format("%d min", s // 60) end
  if s < 2 * SECONDS_PER_DAY then
    local h = s / 3600
    return (h == math.floor(h) and string.format("%d h", h // 1)) or string.format("%.1f h", h)
  end
  if s < 730 * SECONDS_PER_DAY then return string.format("%d days", s // SECONDS_PER_DAY) end
  return string.format("%.1f years", s / (365.2425 * SECONDS_PER_DAY))
end

M.SECONDS_PER_DAY = SECONDS_PER_DAY

return M
