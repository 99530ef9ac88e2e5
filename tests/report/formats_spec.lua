-- Every report format written from the hostile fixture (hostile.lua) by
-- report_tool, then read back by real parsers and compared with the
-- fixture's values.
local cjson = require "cjson"

local tool = assert(os.getenv("HH_REPORT_TOOL"), "HH_REPORT_TOOL not set")
local fixtures = assert(os.getenv("HH_REPORT_FIXTURES"), "HH_REPORT_FIXTURES not set")
local fixture_path = fixtures .. "/hostile.lua"

local function shell_quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

local function tmpname()
  local p = os.tmpname()
  finally(function() os.remove(p) end)
  return p
end

local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

-- Runs report_tool; returns the bytes written.
local function render(format, kind, extra, verbose)
  local out = tmpname()
  local cmd = string.format("HH_FIXTURE_VERBOSE=%s HH_FIXTURE_KIND=%s %s %s %s %s %s", verbose and "1" or "0",
    kind or "findings", shell_quote(tool), format,
    shell_quote(fixture_path), shell_quote(out), extra or "")
  local ok = os.execute(cmd)
  assert(ok, "report_tool failed: " .. cmd)
  return read(out), out
end

local function fixture(kind)
  local r = dofile(fixture_path)
  r.kind = kind or "findings"
  return r
end

-- What a faithful UTF-8 format makes of a Lua string: each invalid byte
-- becomes U+FFFD (Lua's utf8 library is strict: no overlongs, surrogates).
local function sanitize(s)
  local out, i = {}, 1
  while i <= #s do
    local n, bad = utf8.len(s, i)
    if n then
      out[#out + 1] = s:sub(i)
      break
    end
    out[#out + 1] = s:sub(i, bad - 1) .. "\u{FFFD}"
    i = bad + 1
  end
  return table.concat(out)
end

local function deep_sanitize(v)
  if type(v) == "string" then return sanitize(v) end
  if type(v) ~= "table" then return v end
  local t = {}
  for k, x in pairs(v) do t[deep_sanitize(k)] = deep_sanitize(x) end
  return t
end

local finding_fields = { "rule", "technique", "severity", "score", "service", "display_name", "control_set", "current",
  "key", "last_write", "image_path", "service_dll", "object_name", "start", "start_name", "type", "type_name", "message",
  "evidence", "hive", "plugin", "datetime", "timestamp_desc", "hive_kind", "value", "user",
  "task", "path", "actions", "created", "location", "command", "binary" }
local row_fields = { "name", "control_set", "current", "display_name", "description", "image_path", "service_dll",
  "service_dll_source", "service_main", "object_name", "start", "start_name", "type", "type_name", "error_control",
  "group", "depend_on_service", "required_privileges", "delayed_autostart", "failure_command", "last_write",
  "last_write_epoch", "parameters_last_write", "svchost_group", "values", "recovered", "hive", "key" }

-- The record's value for a field as the report should carry it.
local function expected(rec, field, kind)
  local v = rec[field]
  if kind == "findings" and v == nil then
    if field == "datetime" then v = rec.last_write or "" end
    if field == "timestamp_desc" then v = "Service key last written" end
  end
  return deep_sanitize(v)
end

local function lines(s)
  local t = {}
  for l in s:gmatch("([^\n]*)\n") do t[#t + 1] = l end
  return t
end

-- Nothing that a terminal would act on: no C0 (but \n), DEL, C1, bidi
-- controls, and valid UTF-8 throughout.
local function assert_terminal_safe(s)
  assert.is_truthy(utf8.len(s), "output is not valid UTF-8")
  for _, c in utf8.codes(s) do
    local bad = (c < 0x20 and c ~= 10) or (c >= 0x7f and c <= 0x9f) or (c >= 0x202a and c <= 0x202e)
        or (c >= 0x2066 and c <= 0x2069) or c == 0x200e or c == 0x200f or c == 0x2028 or c == 0x2029
    assert.is_false(bad, string.format("unsafe code point U+%04X in output", c))
  end
end

local python = io.popen("command -v python3"):read("l")

-- Runs a python3 program on a file; returns its stdout decoded by cjson.
local function python_json(program, path)
  local script = tmpname()
  local f = assert(io.open(script, "w"))
  f:write(program)
  f:close()
  local p = io.popen("python3 " .. shell_quote(script) .. " " .. shell_quote(path))
  local out = p:read("a")
  assert(p:close(), "python3 failed")
  return cjson.decode(out)
end

for _, kind in ipairs { "findings", "services" } do
  local fields = kind == "findings" and finding_fields or row_fields
  local records = kind == "findings" and fixture(kind).findings or fixture(kind).rows

  describe("jsonl " .. kind, function()
    it("is one valid JSON object per record, fields in the documented order", function()
      local text = render("jsonl", kind)
      local ls = lines(text)
      assert.are.equal(#records, #ls)
      assert.are.equal("\n", text:sub(-1))
      for i, l in ipairs(ls) do
        assert_terminal_safe(l)
        local obj = cjson.decode(l)
        for _, field in ipairs(fields) do
          local want = expected(records[i], field, kind)
          if want == nil then
            assert.are.equal(cjson.null, obj[field], field)
          else
            assert.are.same(want, obj[field], field)
          end
        end
        local n = 0
        for _ in pairs(obj) do n = n + 1 end
        assert.are.equal(#fields, n)
        -- Order: each top-level key appears after the previous one.
        local last = 0
        for _, field in ipairs(fields) do
          local at = l:find('[{,]"' .. field .. '":', last + 1)
          assert.is_truthy(at, "field out of order: " .. field)
          last = at
        end
      end
    end)

    it("keeps integers as integers and lists as arrays", function()
      local l = lines(render("jsonl", kind))[1]
      if kind == "findings" then
        assert.is_truthy(l:find('"score":95,', 1, true))
        assert.is_truthy(l:find('"against":["psexec","paexec"]', 1, true))
      else
        assert.is_truthy(l:find('"start":2,', 1, true))
        assert.is_truthy(l:find('"depend_on_service":["Tdx","nsi"]', 1, true))
        assert.is_truthy(l:find('"values":{"ImagePath":{"data":', 1, true))
      end
    end)

    it("parses in python3's json module to the same values", function()
      if not python then
        pending("python3 not installed")
        return
      end
      local text, path = render("jsonl", kind)
      local via_python = python_json([[
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8", errors="strict", newline="\n")]
print(json.dumps(rows))
]], path)
      local via_cjson = {}
      for _, l in ipairs(lines(text)) do via_cjson[#via_cjson + 1] = cjson.decode(l) end
      assert.are.same(via_cjson, via_python)
    end)
  end)

  describe("table " .. kind, function()
    it("escapes every control, bidi override and invalid byte", function()
      local text = render("table", kind, nil, true)   -- verbose: messages and evidence too
      assert_terminal_safe(text)
      assert.is_truthy(text:find("evil\\x1b[31mRED\\x1b[0m\\nsvc", 1, true))
      if kind == "findings" then
        assert.is_truthy(text:find("line1\\nline2\\r\\n|pipe|", 1, true))
        assert.is_truthy(text:find("\\u202eevil \\xff", 1, true))
      end
    end)

    it("has one line per record plus header and count, in aligned columns", function()
      local ls = lines(render("table", kind))
      assert.are.equal(#records + 2, #ls)
      local function width(s) -- display columns, for the characters the fixture uses
        local w = 0
        for _, c in utf8.codes(s) do
          w = w + (((c >= 0x4e00 and c <= 0x9fff) or (c >= 0x1f300 and c <= 0x1f64f)) and 2 or 1)
        end
        return w
      end
      -- Every data line's control set starts in the SET column's display column.
      local set_col = width(ls[1]:sub(1, ls[1]:find(" SET ", 1, true)))
      for i = 2, #ls - 1 do
        local at = ls[i]:find("ControlSet00", 1, true)
        assert.are.equal(set_col, width(ls[i]:sub(1, at - 1)), ls[i])
      end
    end)

    it("colours only when asked, and only with SGR sequences of its own", function()
      local plain = render("table", kind)
      assert.is_falsy(plain:find("\27", 1, true))
      local coloured = render("table", kind, "--color")
      if kind == "findings" then
        assert.is_truthy(coloured:find("\27[1;97;41mCRITICAL\27[0m", 1, true))
      end
      local stripped = coloured:gsub("\27%[[%d;]*m", "")
      assert.are.equal(plain, stripped)
    end)
  end)
end

-- Unix seconds of an ISO 8601 UTC time, independent of the C parser.
local function iso_epoch(s)
  local y, m, d, H, M, S = s:match("^(%d+)-(%d+)-(%d+)T(%d+):(%d+):(%d+)")
  if not y then return nil end
  y, m, d = tonumber(y), tonumber(m), tonumber(d)
  if m <= 2 then y, m = y - 1, m + 12 end
  local days = 365 * y + y // 4 - y // 100 + y // 400 + (153 * (m - 3) + 2) // 5 + d - 719469
  return days * 86400 + tonumber(H) * 3600 + tonumber(M) * 60 + tonumber(S)
end

-- The csv cell a value should become (before the csv quoting itself).
local function csv_cell(v, field)
  if v == nil then return "" end
  if field == "evidence" or field == "values" then return v end -- compared as JSON
  local text, neutralize
  if type(v) == "table" then
    local parts = {}
    for i, x in ipairs(v) do parts[i] = tostring(x) end
    text, neutralize = table.concat(parts, ";"), true
  elseif type(v) == "string" then
    text, neutralize = v, true
  else
    text = tostring(v)
  end
  text = sanitize(text):gsub("%z", "\u{FFFD}")
  if neutralize and text:find("^[=+%-@\t\r]") then text = "'" .. text end
  return text
end

for _, kind in ipairs { "findings", "services" } do
  local fields = kind == "findings" and finding_fields or row_fields
  local records = kind == "findings" and fixture(kind).findings or fixture(kind).rows

  describe("csv " .. kind, function()
    it("round-trips through python3's csv module, formulas neutralised", function()
      if not python then
        pending("python3 not installed")
        return
      end
      local text, path = render("csv", kind)
      assert.are.equal("\r\n", text:sub(-2))
      assert.are.equal(table.concat(fields, ",") .. "\r\n", text:sub(1, text:find("\n", 1, true)))
      assert.is_truthy(utf8.len(text), "csv is not valid UTF-8")
      local rows = python_json([[
import csv, json, sys
with open(sys.argv[1], encoding="utf-8", errors="strict", newline="") as f:
    print(json.dumps(list(csv.reader(f, strict=True))))
]], path)
      assert.are.same(fields, rows[1])
      assert.are.equal(#records + 1, #rows)
      for i, rec in ipairs(records) do
        local row = rows[i + 1]
        assert.are.equal(#fields, #row)
        for f, field in ipairs(fields) do
          local want = csv_cell(rec[field], field)
          if kind == "findings" and rec[field] == nil and field == "datetime" then want = rec.last_write or "" end
          if kind == "findings" and rec[field] == nil and field == "timestamp_desc" then want = "Service key last written" end
          if type(want) == "table" then
            assert.are.same(deep_sanitize(want), cjson.decode(row[f]), field)
          else
            assert.are.equal(want, row[f], field)
          end
        end
      end
      -- No cell a spreadsheet would evaluate.
      for _, row in ipairs(rows) do
        for _, cell in ipairs(row) do
          assert.is_falsy(cell:find("^[=+@\t\r]"), cell)
          assert.is_falsy(cell:find("^%-[^%d]"), cell)
        end
      end
    end)
  end)

  describe("tln " .. kind, function()
    it("is five fields per line, one line per record, nothing splits a field", function()
      local text = render("tln", kind)
      assert_terminal_safe(text)
      local ls = lines(text)
      assert.are.equal(#records, #ls)
      for i, l in ipairs(ls) do
        local f = {}
        for x in (l .. "|"):gmatch("([^|]*)|") do f[#f + 1] = x end
        assert.are.equal(5, #f, l)
        local rec = records[i]
        local want_time = rec.last_write_epoch or (rec.last_write and iso_epoch(rec.last_write)) or 0
        assert.are.equal(tostring(want_time), f[1])
        assert.are.equal("REG", f[2])
        assert.are.equal("WS-01\\x1b]0;pwned\\x07\\x7cx", f[3])
        assert.are.equal("", f[4])
        if kind == "findings" then
          assert.is_truthy(f[5]:find("[" .. rec.severity:upper() .. " " .. rec.rule .. "] ", 1, true) == 1, f[5])
        else
          assert.is_truthy(f[5]:find("[SERVICE] ", 1, true) == 1, f[5])
        end
      end
      if kind == "findings" then
        assert.are.equal("[HIGH path-user-writable] café中文😀 (ControlSet002): line1\\nline2\\r\\n\\x7cpipe\\x7c,comma "
          .. "\\u202eevil \\xff; C:\\ProgramData\\x\\x7cy\\x7cz.exe", lines(text)[2]:match("^[^|]*|[^|]*|[^|]*|[^|]*|(.*)$"))
      end
    end)
  end)
end

describe("tln", function()
  it("dates a finding by its datetime (the write it is about), a row by its LastWrite", function()
    local path = tmpname()
    local f = assert(io.open(path, "w"))
    f:write([[return { kind = "findings", findings = {
  { service = "Themes", control_set = "ControlSet001", rule = "r", severity = "high", score = 8, message = "m",
    last_write = "2024-03-10T09:10:10Z", datetime = "2026-03-17T01:15:02Z" },
  { service = "Other", control_set = "ControlSet001", rule = "r", severity = "low", score = 2, message = "m",
    last_write = "2024-03-10T09:10:10Z" } } }
]])
    f:close()
    local out = tmpname()
    assert(os.execute(shell_quote(tool) .. " tln " .. shell_quote(path) .. " " .. shell_quote(out)))
    local ls = lines(read(out))
    assert.are.equal(tostring(iso_epoch("2026-03-17T01:15:02Z")), ls[1]:match("^(%d+)|"))
    assert.are.equal(tostring(iso_epoch("2024-03-10T09:10:10Z")), ls[2]:match("^(%d+)|"))
  end)
end)

describe("table", function()
  it("shows one line per service key with its worst severity and rules; verbose adds each finding", function()
    local path = tmpname()
    local f = assert(io.open(path, "w"))
    f:write([[
local function fnd(set, rule, sev, msg)
  return { service = "Evil", control_set = set, key = set .. "\\Services\\Evil", rule = rule,
           severity = sev, score = 9, message = msg, image_path = "C:\\x.exe",
           last_write = "2026-01-01T00:00:00Z", evidence = { why = msg } }
end
return { kind = "findings", meta = { verbose = os.getenv("V") == "1" }, findings = {
  fnd("ControlSet001", "rule-a", "medium", "first message"),
  fnd("ControlSet002", "rule-a", "medium", "first message"),
  fnd("ControlSet001", "rule-b", "high", "second message"),
  fnd("ControlSet001", "rule-a", "medium", "first message again") } }
]])
    f:close()
    local out = tmpname()
    assert(os.execute(shell_quote(tool) .. " table " .. shell_quote(path) .. " " .. shell_quote(out)))
    local ls = lines(read(out))
    assert.are.equal(4, #ls)   -- header, two keys, count
    assert.is_truthy(ls[2]:find("^HIGH +9 .*ControlSet001 +rule%-a,rule%-b +C:\\x%.exe$"), ls[2])
    assert.is_truthy(ls[3]:find("^MEDIUM +9 .*ControlSet002 +rule%-a +C:"), ls[3])
    assert.are.equal("4 findings on 2 service keys (1 high, 3 medium)", ls[4])
    assert.is_falsy(read(out):find("first message", 1, true))
    assert(os.execute("V=1 " .. shell_quote(tool) .. " table " .. shell_quote(path) .. " " .. shell_quote(out)))
    ls = lines(read(out))
    assert.are.equal(4 + 2 * 4, #ls)
    assert.are.equal("    rule-a (medium): first message", ls[3])
    assert.are.equal([[      evidence: {"why":"first message"}]], ls[4])
    assert.are.equal("    rule-b (high): second message", ls[5])
  end)

  it("cuts very long cells with an ellipsis, jsonl keeps them whole", function()
    local long = "C:\\" .. string.rep("x", 300) .. ".exe"
    local path = tmpname()
    local f = assert(io.open(path, "w"))
    f:write(string.format("return {kind='services', rows={{name='long', image_path=%q}}}", long))
    f:close()
    local out = tmpname()
    assert(os.execute(shell_quote(tool) .. " table " .. shell_quote(path) .. " " .. shell_quote(out)))
    local row = lines(read(out))[2]
    assert.is_truthy(row:find("\u{2026}", 1, true))
    assert.is_falsy(row:find(long, 1, true))
    assert(os.execute(shell_quote(tool) .. " jsonl " .. shell_quote(path) .. " " .. shell_quote(out)))
    assert.are.equal(long, cjson.decode(read(out)).image_path)
  end)
end)

describe("every format", function()
  for _, format in ipairs { "table", "csv", "jsonl", "tln", "html" } do
    for _, kind in ipairs { "findings", "services" } do
      it(format .. " " .. kind .. " is byte-identical across runs", function()
        local ok1, a = pcall(render, format, kind)
        local ok2, b = pcall(render, format, kind)
        assert.is_true(ok1, a)
        assert.is_true(ok2, b)
        assert.are.equal(a, b)
      end)
    end
  end
end)
