local json = require "hh.json"

describe("hh.json.decode", function()
  it("decodes scalars, keeping integers integers", function()
    assert.equals(2, json.decode("2"))
    assert.equals("integer", math.type(json.decode("2")))
    assert.equals("integer", math.type(json.decode("-0")))
    assert.equals("float", math.type(json.decode("2.0")))
    assert.equals(1.5e3, json.decode("1.5e3"))
    assert.equals("float", math.type(json.decode("1e2")))
    assert.equals(math.maxinteger, json.decode("9223372036854775807"))
    assert.equals("float", math.type(json.decode("92233720368547758070")))
    assert.is_true(json.decode("true"))
    assert.is_false(json.decode(" false "))
    assert.equals(json.null, json.decode("null"))
    assert.equals("x", json.decode('"x"'))
  end)

  it("decodes nested objects and arrays", function()
    local v = assert(json.decode('{"a":[1,2,{"b":"c"}],"d":{},"e":[]}'))
    assert.same({ a = { 1, 2, { b = "c" } }, d = {}, e = {} }, v)
  end)

  it("leaves null members out of objects and keeps nulls in arrays", function()
    local v = assert(json.decode('{"a":null,"b":[1,null,3]}'))
    assert.is_nil(v.a)
    assert.equals(3, #v.b)
    assert.equals(json.null, v.b[2])
  end)

  it("decodes every escape", function()
    assert.equals('"\\/\b\f\n\r\t', json.decode('"\\"\\\\\\/\\b\\f\\n\\r\\t"'))
    assert.equals("\0", json.decode('"\\u0000"'))
    assert.equals("é", json.decode('"\\u00e9"'))
    assert.equals("€", json.decode('"\\u20AC"'))
    -- U+1F600 as a surrogate pair
    assert.equals("\u{1F600}", json.decode('"\\ud83d\\ude00"'))
    assert.equals("a\u{10FFFF}b", json.decode('"a\\uDBFF\\uDFFFb"'))
    assert.equals("Dienst für Ü", json.decode('"Dienst für Ü"'))
  end)

  local bad = {
    { "", "unexpected end of input" },
    { "[1,]", "trailing comma in array" },
    { '{"a":1,}', "trailing comma in object" },
    { "{a:1}", "expected string key" },
    { '{"a" 1}', "expected ':'" },
    { "[1 2]", "expected ',' or ']'" },
    { "01", "leading zero" },
    { "1.", "bad fraction" },
    { "1e", "bad exponent" },
    { "-", "bad number" },
    { ".5", "unexpected character" },
    { "+1", "unexpected character" },
    { "tru", "unexpected character" },
    { "NaN", "unexpected character" },
    { '"abc', "unterminated string" },
    { '"a\tb"', "control character" },
    { '"\\x"', "bad escape" },
    { '"\\u12"', "bad \\u escape" },
    { '"\\ud83d"', "lone high surrogate" },
    { '"\\ud83d\\u0041"', "lone high surrogate" },
    { '"\\ude00"', "lone low surrogate" },
    { '"\255"', "invalid UTF-8" },
    { '"\237\160\128"', "invalid UTF-8" }, -- an encoded surrogate
    { '{"a":1,"a":2}', "duplicate key 'a'" },
    { '{"a":null,"a":2}', "duplicate key 'a'" },
    { '{"a":1,"b":null,"a":null}', "duplicate key 'a'" },
    { "1 2", "trailing data" },
    { "// c\n1", "unexpected character" },
  }
  for _, case in ipairs(bad) do
    it("rejects " .. string.format("%q", case[1]) .. " with '" .. case[2] .. "'", function()
      local v, err = json.decode(case[1])
      assert.is_nil(v)
      assert.truthy(err:find(case[2], 1, true), err)
      assert.truthy(err:find("^json: .* at line %d+ column %d+$"), err)
    end)
  end

  it("reports the line and column of an error", function()
    local _, err = json.decode('{\n  "a": 1,\n  "b": tru\n}')
    assert.equals("json: unexpected character 't' at line 3 column 8", err)
  end)

  it("limits nesting depth", function()
    local ok_text = string.rep("[", 64) .. string.rep("]", 64)
    assert.is_table(json.decode(ok_text))
    local deep = string.rep("[", 65) .. string.rep("]", 65)
    local v, err = json.decode(deep)
    assert.is_nil(v)
    assert.truthy(err:find("nesting deeper than 64", 1, true))
    -- far deeper input fails cleanly, without a C stack overflow
    assert.is_nil((json.decode(string.rep("[", 100000))))
  end)

  it("raises on a non-string argument (misuse, not bad data)", function()
    assert.has_error(function() json.decode(nil) end)
  end)

  it("decodes a long string quickly", function()
    local s = string.rep("abcdefghij", 100000)
    assert.equals(s, json.decode('"' .. s .. '"'))
  end)
end)

describe("hh.json.decode_lines", function()
  it("decodes one object per line, skipping blank lines, CRLF and a BOM", function()
    local text = "\239\187\191" .. '{"name":"A","start":2}\r\n\n  \n{"name":"B","values":{"X":{"type":"REG_SZ","data":"y"}}}\n'
    local rows = assert(json.decode_lines(text))
    assert.equals(2, #rows)
    assert.equals("A", rows[1].name)
    assert.equals(2, rows[1].start)
    assert.equals("y", rows[2].values.X.data)
  end)

  it("accepts a last line without a newline and an empty text", function()
    assert.equals(1, #assert(json.decode_lines('{"a":1}')))
    assert.same({}, assert(json.decode_lines("")))
  end)

  it("names the failing line", function()
    local rows, err = json.decode_lines('{"a":1}\n\n{"a":2,}\n')
    assert.is_nil(rows)
    assert.equals("line 3: json: trailing comma in object at column 8", err)
  end)

  it("refuses lines that are not objects", function()
    local rows, err = json.decode_lines('{"a":1}\n[1,2]\n')
    assert.is_nil(rows)
    assert.equals("line 2: expected a JSON object", err)
    assert.equals("line 1: expected a JSON object", select(2, json.decode_lines("3\n")))
    assert.equals("line 1: expected a JSON object", select(2, json.decode_lines("null\n")))
  end)
end)

describe("hh.json.encode", function()
  it("round-trips a service row", function()
    local row = {
      name = "Svc \"x\"\n", start = 2, type = 16, current = true, weight = 0.25,
      values = { ImagePath = { type = "REG_EXPAND_SZ", data = "C:\\x.exe" },
                 DependOnService = { type = "REG_MULTI_SZ", data = { "a", "b" } } },
      ctl = "\1\127", uni = "\u{1F600}",
    }
    local text = assert(json.encode(row))
    assert.same(row, json.decode(text))
  end)

  it("is deterministic: object keys sorted", function()
    assert.equals('{"a":1,"b":[true,false,null],"c":{}}', json.encode({ c = {}, b = { true, false, json.null }, a = 1 }))
  end)

  it("escapes control characters", function()
    assert.equals('"a\\u0001\\n\\u007f"', json.encode("a\1\n\127"))
  end)

  it("refuses what JSON cannot hold", function()
    assert.is_nil((json.encode(0 / 0)))
    assert.is_nil((json.encode(math.huge)))
    assert.is_nil((json.encode({ [1] = 1, x = 2 })))
    assert.is_nil((json.encode({ [2] = 1 })))
    assert.is_nil((json.encode(print)))
    assert.is_nil((json.encode("\255")))
  end)
end)
