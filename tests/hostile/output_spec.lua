-- Output attacks end to end (issue 7): a hive whose names and values carry
-- spreadsheet formulas, HTML and script, the csv/tln delimiters, terminal
-- escapes and invalid UTF-16 (tests/hostile/hostile-names.spec) goes through
-- `hivehunt hunt` and `hivehunt services` in every --format, and each
-- output is parsed back by a real parser: lua-cjson, python3's csv, json
-- and html.parser. Nothing the hive holds may add a record, a field, a tag,
-- an attribute or a terminal control.
package.path = (os.getenv("HH_SOURCE_DIR") or ".") .. "/tests/hostile/?.lua;" .. package.path
local C = require "contract"
local cjson = require "cjson"

local BIN = assert(os.getenv("HH_BIN"), "HH_BIN not set")
local HIVE = os.getenv("HH_HOSTILE_NAMES")
local CLEAN = os.getenv("HH_FUZZ_SEEDS") and os.getenv("HH_FUZZ_SEEDS") .. "/seed-system"

local dir = C.tmpdir()
teardown(function() os.execute("rm -rf " .. C.q(dir)) end)

local python = os.execute("command -v python3 >/dev/null 2>&1")

-- The planted names, as the reader decodes them (UTF-8; a lone surrogate
-- becomes U+FFFD).
local NAMES = {
  formula = "=cmd|' /C calc'!A0",
  html = "<script>alert(1)</script>",
  delims = "a,b;c\"d|e'f",
  controls = "Ctl\27]0;pwned\7\u{9b}31m\u{202e}",
}
local IMAGE_HTML = [[C:\Users\Public\"><img src=x onerror=alert(1)>.exe]]

local function run(cmd, fmt, hive)
  local prefix = ("%s/%s-%s"):format(dir, cmd, fmt)
  local r = C.run(prefix, { BIN, cmd, hive or HIVE, "--format", fmt, "--timeout", "30" })
  assert.are.equal(0, r.rc, cmd .. " --format " .. fmt .. ": " .. r.err)
  assert(C.check(r, hive or HIVE, fmt))
  return r.out, prefix .. ".out"
end

local function python_json(script, path)
  local p = io.popen("python3 -c " .. C.q(script) .. " " .. C.q(path))
  local out = p:read("a")
  assert(p:close(), "python3 failed on " .. path)
  return cjson.decode(out)
end

describe("hostile names and values through every format", function()
  if not (HIVE and io.open(HIVE, "rb")) then
    it("need the hostile-names fixture", function() pending("HH_HOSTILE_NAMES not built") end)
    return
  end

  for _, cmd in ipairs { "services", "hunt" } do
    local name_field = cmd == "services" and "name" or "service"

    it(cmd .. " jsonl: one object per line, names and values intact as data", function()
      local out = run(cmd, "jsonl")
      local seen = {}
      for line in out:gmatch("([^\n]*)\n") do
        local rec = cjson.decode(line)
        assert.are.equal("table", type(rec))
        seen[rec[name_field]] = rec
      end
      for what, name in pairs(NAMES) do
        assert.is_truthy(seen[name], what .. " name missing from jsonl")
      end
      assert.are.equal(IMAGE_HTML, seen[NAMES.html].image_path)
      if cmd == "services" then
        -- lone surrogates in value data: each kept in place as U+FFFD
        assert.are.equal("C:\\Users\\Public\\bad\u{fffd}low \u{fffd}high.exe", seen[NAMES.formula].failure_command)
      end
      -- jsonl is safe to cat: the controls travel as \u escapes
      assert.is_nil(C.terminal_unsafe(out))
    end)

    it(cmd .. " csv: python3 reads the same rows back, no cell is a formula", function()
      if not python then pending("python3 not installed") return end
      local out, path = run(cmd, "csv")
      local rows = python_json([[
import csv, json, sys
with open(sys.argv[1], encoding="utf-8", errors="strict", newline="") as f:
    print(json.dumps(list(csv.reader(f, strict=True))))
]], path)
      local header = rows[1]
      local col
      for i, h in ipairs(header) do if h == name_field then col = i end end
      assert.is_truthy(col, "no " .. name_field .. " column")
      local seen = {}
      for i = 2, #rows do
        assert.are.equal(#header, #rows[i], "row " .. i .. " has a different field count")
        seen[rows[i][col]] = true
        for _, cell in ipairs(rows[i]) do
          assert.is_falsy(cell:find("^[=+@\t\r]"), "formula cell: " .. cell)
          assert.is_falsy(cell:find("^%-[^%d]"), "formula cell: " .. cell)
        end
      end
      -- the formula keeps its text behind the neutralising quote
      assert.is_truthy(seen["'" .. NAMES.formula], "formula name not found neutralised")
      assert.is_truthy(seen[NAMES.html] and seen[NAMES.delims])
      -- one record per jsonl line: the delimiters split nothing
      local jsonl = run(cmd, "jsonl")
      local _, n = jsonl:gsub("\n", "")
      assert.are.equal(n, #rows - 1)
    end)

    it(cmd .. " tln: five fields per line, one line per record", function()
      local out = run(cmd, "tln")
      local jsonl = run(cmd, "jsonl")
      local _, records = jsonl:gsub("\n", "")
      local lines = 0
      for line in out:gmatch("([^\n]*)\n") do
        lines = lines + 1
        local _, bars = line:gsub("|", "")
        assert.are.equal(4, bars, "tln line: " .. line)
      end
      assert.are.equal(records, lines)
      assert.is_nil(C.terminal_unsafe(out))
    end)

    it(cmd .. " table: nothing reaches the terminal raw", function()
      local out = run(cmd, "table")
      local unsafe = C.terminal_unsafe(out)
      assert.is_nil(unsafe, unsafe)
      assert.is_truthy(out:find("\\x1b]0;pwned", 1, true), "the escape is shown, visibly")
    end)

    it(cmd .. " html: the names add no tag or attribute, and read back as text", function()
      if not python then pending("python3 not installed") return end
      local script = [[
import html.parser, json, sys
class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.shapes, self.text, self.stack = set(), [], []
    def handle_starttag(self, tag, attrs):
        self.shapes.add(tag + " " + " ".join(sorted(a for a, _ in attrs)))
        self.stack.append(tag)
    def handle_endtag(self, tag):
        if self.stack and self.stack[-1] == tag: self.stack.pop()
    def handle_data(self, d):
        if not (self.stack and self.stack[-1] in ("script", "style")): self.text.append(d)
p = P()
with open(sys.argv[1], encoding="utf-8", errors="strict") as f:
    p.feed(f.read())
print(json.dumps({"shapes": sorted(p.shapes), "text": "".join(p.text)}))
]]
      local _, hostile_path = run(cmd, "html")
      local hostile = python_json(script, hostile_path)
      -- the same report over a plain hive gives the report's own markup
      local clean_prefix = dir .. "/clean-" .. cmd .. "-html"
      local r = C.run(clean_prefix, { BIN, cmd, CLEAN, "--format", "html", "--timeout", "30" })
      assert.are.equal(0, r.rc, r.err)
      local clean = python_json(script, clean_prefix .. ".out")
      local known = {}
      for _, s in ipairs(clean.shapes) do known[s] = true end
      for _, s in ipairs(hostile.shapes) do
        assert.is_truthy(known[s], "markup the hive injected: <" .. s .. ">")
      end
      -- the hostile strings are there, as text
      assert.is_truthy(hostile.text:find(NAMES.html, 1, true), "script name not shown as text")
      assert.is_truthy(hostile.text:find(IMAGE_HTML, 1, true), "image path not shown as text")
    end)
  end
end)
