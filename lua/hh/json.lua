-- hh.json: a strict JSON (RFC 8259) decoder and a deterministic encoder in
-- pure Lua 5.4, usable inside the policy sandbox (base/string/table/math/utf8).
--
-- Decoding choices, all deliberate:
--   * integers without a fraction or exponent stay Lua integers (a Start of 2
--     must compare equal to the 2 a hive gives); other numbers are floats;
--   * an object member whose value is null is left out (a missing value is
--     nil everywhere in hivehunt); a null inside an array becomes json.null so
--     the array keeps its length;
--   * duplicate object keys, lone UTF-16 surrogates, invalid UTF-8, control
--     characters in strings, trailing commas, leading zeros and anything after
--     the top-level value are errors: a baseline is evidence, not something to
--     guess at;
--   * nesting is limited (default 64 levels) so a hostile file cannot exhaust
--     the C stack.
-- Errors read "json: <reason> at line L column C".

local M = {}

-- Sentinel for null inside arrays; encodes back to null.
M.null = setmetatable({}, { __name = "json.null", __tostring = function() return "null" end })

M.max_depth = 64

local byte, sub, find, char = string.byte, string.sub, string.find, string.char
local concat = table.concat

local function position(text, pos)
  local line, last_nl = 1, 0
  local i = 1
  while true do
    local nl = find(text, "\n", i, true)
    if not nl or nl >= pos then break end
    line = line + 1
    last_nl = nl
    i = nl + 1
  end
  return line, pos - last_nl
end

-- Decoding raises a table {msg=, pos=} internally; decode() turns it into a
-- message with line and column.
local function fail(msg, pos)
  error({ json_error = true, msg = msg, pos = pos }, 0)
end

local escapes = {
  [0x22] = '"', [0x5C] = "\\", [0x2F] = "/", [0x62] = "\b",
  [0x66] = "\f", [0x6E] = "\n", [0x72] = "\r", [0x74] = "\t",
}

local function skip_ws(text, pos)
  -- JSON whitespace is exactly space, tab, LF and CR. Compact JSON has
  -- none, so test one byte before running a pattern.
  local c = byte(text, pos)
  if c ~= 0x20 and c ~= 0x09 and c ~= 0x0A and c ~= 0x0D then return pos end
  local _, e = find(text, "^[ \t\n\r]+", pos)
  return e + 1
end

local function hex4(text, pos)
  local h = sub(text, pos, pos + 3)
  if not find(h, "^%x%x%x%x$") then fail("bad \\u escape", pos - 2) end
  return tonumber(h, 16)
end

local function valid_utf8(str)
  -- Plain ASCII needs no decoding check.
  return not find(str, "[\128-\255]") or utf8.len(str) ~= nil
end

local function decode_string(text, pos)
  -- pos is at the opening quote.
  local i = pos + 1
  -- Fast path: no escapes before the closing quote.
  local j = find(text, '["\\\0-\31]', i)
  if j and byte(text, j) == 0x22 then
    local str = sub(text, i, j - 1)
    if not valid_utf8(str) then fail("invalid UTF-8 in string", pos) end
    return str, j + 1
  end
  local parts, n = {}, 0
  while true do
    -- Copy the run of ordinary characters in one go.
    local s, e = find(text, '^[^"\\\0-\31]+', i)
    if s then
      n = n + 1; parts[n] = sub(text, s, e)
      i = e + 1
    end
    local c = byte(text, i)
    if c == nil then
      fail("unterminated string", pos)
    elseif c == 0x22 then
      local str = concat(parts)
      if not valid_utf8(str) then fail("invalid UTF-8 in string", pos) end
      return str, i + 1
    elseif c == 0x5C then
      local esc = byte(text, i + 1)
      if esc == 0x75 then -- \uXXXX
        local cp = hex4(text, i + 2)
        local nexti = i + 6
        if cp >= 0xD800 and cp <= 0xDBFF then
          if sub(text, nexti, nexti + 1) ~= "\\u" then
            fail("lone high surrogate", i)
          end
          local lo = hex4(text, nexti + 2)
          if lo < 0xDC00 or lo > 0xDFFF then fail("lone high surrogate", i) end
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00)
          nexti = nexti + 6
        elseif cp >= 0xDC00 and cp <= 0xDFFF then
          fail("lone low surrogate", i)
        end
        n = n + 1; parts[n] = utf8.char(cp)
        i = nexti
      else
        local rep = esc and escapes[esc]
        if not rep then fail("bad escape", i) end
        n = n + 1; parts[n] = rep
        i = i + 2
      end
    else
      fail("control character in string", i)
    end
  end
end

local function decode_number(text, pos)
  local s, e = find(text, "^-?%d+", pos)
  if not s then fail("bad number", pos) end
  local int_part = sub(text, byte(text, pos) == 0x2D and pos + 1 or pos, e)
  if #int_part > 1 and byte(int_part, 1) == 0x30 then fail("leading zero in number", pos) end
  local is_float = false
  local fs, fe = find(text, "^%.%d+", e + 1)
  if fs then is_float = true; e = fe
  elseif byte(text, e + 1) == 0x2E then fail("bad fraction in number", e + 1) end
  local xs, xe = find(text, "^[eE][-+]?%d+", e + 1)
  if xs then is_float = true; e = xe
  elseif find(text, "^[eE]", e + 1) then fail("bad exponent in number", e + 1) end
  local literal = sub(text, pos, e)
  local value
  if is_float then
    value = tonumber(literal)
  else
    -- math.tointeger keeps it an integer when it fits in 64 bits; a larger
    -- integer becomes the nearest float rather than wrapping.
    value = math.tointeger(tonumber(literal)) or tonumber(literal .. ".0")
  end
  return value, e + 1
end

local decode_value

local function decode_array(text, pos, depth)
  local arr, n = {}, 0
  local i = skip_ws(text, pos + 1)
  if byte(text, i) == 0x5D then return arr, i + 1 end
  while true do
    local v
    v, i = decode_value(text, i, depth)
    n = n + 1
    if v == nil then arr[n] = M.null else arr[n] = v end
    i = skip_ws(text, i)
    local c = byte(text, i)
    if c == 0x5D then return arr, i + 1 end
    if c ~= 0x2C then fail("expected ',' or ']' in array", i) end
    i = skip_ws(text, i + 1)
    if byte(text, i) == 0x5D then fail("trailing comma in array", i) end
  end
end

local function decode_object(text, pos, depth)
  local obj = {}
  local nulls -- keys whose value was null (absent from obj), for the duplicate check
  local i = skip_ws(text, pos + 1)
  if byte(text, i) == 0x7D then return obj, i + 1 end
  while true do
    if byte(text, i) ~= 0x22 then
      if byte(text, i) == 0x7D then fail("trailing comma in object", i) end
      fail("expected string key in object", i)
    end
    local key
    local key_pos = i
    key, i = decode_string(text, i)
    if obj[key] ~= nil or (nulls and nulls[key]) then fail("duplicate key '" .. key .. "'", key_pos) end
    if byte(text, i) ~= 0x3A then
      i = skip_ws(text, i)
      if byte(text, i) ~= 0x3A then fail("expected ':' after key", i) end
    end
    local v
    v, i = decode_value(text, skip_ws(text, i + 1), depth)
    if v == nil then
      nulls = nulls or {}
      nulls[key] = true
    else
      obj[key] = v
    end
    local c = byte(text, i)
    if c ~= 0x2C and c ~= 0x7D then
      i = skip_ws(text, i)
      c = byte(text, i)
    end
    if c == 0x7D then return obj, i + 1 end
    if c ~= 0x2C then fail("expected ',' or '}' in object", i) end
    i = skip_ws(text, i + 1)
  end
end

function decode_value(text, pos, depth)
  local c = byte(text, pos)
  if c == 0x7B or c == 0x5B then
    if depth >= M.max_depth then fail("nesting deeper than " .. M.max_depth, pos) end
    if c == 0x7B then return decode_object(text, pos, depth + 1) end
    return decode_array(text, pos, depth + 1)
  elseif c == 0x22 then
    return decode_string(text, pos)
  elseif c == 0x2D or (c and c >= 0x30 and c <= 0x39) then
    return decode_number(text, pos)
  elseif c == 0x74 and sub(text, pos, pos + 3) == "true" then
    return true, pos + 4
  elseif c == 0x66 and sub(text, pos, pos + 4) == "false" then
    return false, pos + 5
  elseif c == 0x6E and sub(text, pos, pos + 3) == "null" then
    return nil, pos + 4
  elseif c == nil then
    fail("unexpected end of input", pos)
  end
  fail("unexpected character '" .. (c >= 32 and c < 127 and char(c) or string.format("\\x%02x", c)) .. "'", pos)
end

-- json.decode(text) -> value | nil, message. A top-level null decodes to
-- json.null so that nil always means failure.
function M.decode(text)
  if type(text) ~= "string" then
    error("json.decode: expected a string, got " .. type(text), 2)
  end
  local ok, value, pos = pcall(function()
    local i = skip_ws(text, 1)
    local v, after = decode_value(text, i, 0)
    after = skip_ws(text, after)
    if after <= #text then fail("trailing data after JSON value", after) end
    return v, after
  end)
  if not ok then
    if type(value) == "table" and value.json_error then
      local line, col = position(text, value.pos)
      return nil, string.format("json: %s at line %d column %d", value.msg, line, col)
    end
    error(value, 0)
  end
  if value == nil then return M.null, pos end
  return value
end

-- json.decode_lines(text) -> array of objects | nil, "line N: reason".
-- One JSON object per line (jsonl); blank lines are skipped; CRLF and a
-- leading UTF-8 byte order mark are accepted.
function M.decode_lines(text)
  if type(text) ~= "string" then
    error("json.decode_lines: expected a string, got " .. type(text), 2)
  end
  local rows, n = {}, 0
  local line_no = 0
  local start = 1
  if sub(text, 1, 3) == "\239\187\191" then start = 4 end
  local len = #text
  while start <= len do
    line_no = line_no + 1
    local nl = find(text, "\n", start, true)
    local line = sub(text, start, (nl or len + 1) - 1)
    start = (nl or len) + 1
    if byte(line, -1) == 0x0D then line = sub(line, 1, -2) end
    if find(line, "[^ \t]") then
      local value, err = M.decode(line)
      if value == nil then
        return nil, string.format("line %d: %s", line_no, (err:gsub(" at line 1 column", " at column")))
      end
      if type(value) ~= "table" or value == M.null or (next(value) ~= nil and value[1] ~= nil) then
        return nil, string.format("line %d: expected a JSON object", line_no)
      end
      n = n + 1
      rows[n] = value
    end
  end
  return rows
end

-- Encoder ------------------------------------------------------------------

local encode_escapes = {
  ['"'] = '\\"', ["\\"] = "\\\\", ["\b"] = "\\b", ["\f"] = "\\f",
  ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t", ["\127"] = "\\u007f",
}

local function encode_string(s)
  if not utf8.len(s) then error("json.encode: string is not valid UTF-8", 0) end
  return '"' .. s:gsub('[\0-\31"\\\127]', function(c)
    return encode_escapes[c] or string.format("\\u%04x", byte(c))
  end) .. '"'
end

local function is_array(t)
  local n = #t
  local count = 0
  for k in pairs(t) do
    if math.type(k) ~= "integer" or k < 1 or k > n then return false end
    count = count + 1
  end
  return count == n and n > 0
end

local function encode_value(v, out, depth)
  local tv = type(v)
  if v == nil or v == M.null then
    out[#out + 1] = "null"
  elseif tv == "boolean" then
    out[#out + 1] = v and "true" or "false"
  elseif tv == "number" then
    if math.type(v) == "integer" then
      out[#out + 1] = string.format("%d", v)
    elseif v ~= v or v == math.huge or v == -math.huge then
      error("json.encode: cannot encode " .. tostring(v), 0)
    else
      out[#out + 1] = string.format("%.17g", v)
    end
  elseif tv == "string" then
    out[#out + 1] = encode_string(v)
  elseif tv == "table" then
    if depth >= M.max_depth then error("json.encode: nesting deeper than " .. M.max_depth, 0) end
    if is_array(v) then
      out[#out + 1] = "["
      for i = 1, #v do
        if i > 1 then out[#out + 1] = "," end
        encode_value(v[i], out, depth + 1)
      end
      out[#out + 1] = "]"
    else
      -- Keys sorted so the same table always encodes to the same bytes.
      local keys = {}
      for k in pairs(v) do
        if type(k) ~= "string" then
          error("json.encode: object key of type " .. type(k) .. " (mixed or sparse table?)", 0)
        end
        keys[#keys + 1] = k
      end
      table.sort(keys)
      out[#out + 1] = "{"
      for i, k in ipairs(keys) do
        if i > 1 then out[#out + 1] = "," end
        out[#out + 1] = encode_string(k)
        out[#out + 1] = ":"
        encode_value(v[k], out, depth + 1)
      end
      out[#out + 1] = "}"
    end
  else
    error("json.encode: cannot encode a " .. tv, 0)
  end
end

-- json.encode(value) -> string | nil, message. An empty table encodes as {}.
function M.encode(value)
  local out = {}
  local ok, err = pcall(encode_value, value, out, 0)
  if not ok then return nil, err end
  return concat(out)
end

return M
