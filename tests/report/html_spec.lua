-- The html report in a real browser: Debian's chromium, headless, loads the
-- file, and python3's html.parser reads the DOM it dumps (dom_tables.py).
-- Sorting is driven through the page's own click handlers by the #sort=
-- fragment; the resulting row order is checked here, independently.
local cjson = require "cjson"

local tool = assert(os.getenv("HH_REPORT_TOOL"), "HH_REPORT_TOOL not set")
local fixtures = assert(os.getenv("HH_REPORT_FIXTURES"), "HH_REPORT_FIXTURES not set")

local function shell_quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end
local function first_line(cmd)
  local p = io.popen(cmd)
  local l = p:read("l")
  p:close()
  return l
end
local chromium = first_line("command -v chromium || command -v chromium-browser")
local python = first_line("command -v python3")

local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

local function tmpname(suffix)
  local p = os.tmpname()
  if suffix then -- chromium picks the type of a file:// page from its name
    os.remove(p)
    p = p .. suffix
  end
  finally(function() os.remove(p) end)
  return p
end

local function render(fixture, kind)
  local out = tmpname(".html")
  assert(os.execute(string.format("HH_FIXTURE_KIND=%s %s html %s %s", kind or "findings", shell_quote(tool),
    shell_quote(fixtures .. "/" .. fixture), shell_quote(out))))
  return out
end

-- Loads path#fragment in headless Chromium; returns the parsed DOM and the
-- browser's log (console messages appear there as ":CONSOLE").
local function browse(path, fragment)
  local profile = first_line("mktemp -d")
  finally(function() os.execute("rm -rf " .. shell_quote(profile)) end)
  local dom, log = tmpname(), tmpname()
  local url = "file://" .. path .. (fragment and ("#" .. fragment) or "")
  local cmd = string.format("timeout 120 %s --headless --no-sandbox --disable-gpu --disable-background-networking "
    .. "--disable-component-update --disable-sync --no-first-run --user-data-dir=%s --enable-logging=stderr --v=0 "
    .. "--dump-dom %s > %s 2> %s", shell_quote(chromium), shell_quote(profile), shell_quote(url), shell_quote(dom),
    shell_quote(log))
  assert(os.execute(cmd), "chromium failed: " .. read(log))
  local p = io.popen("python3 " .. shell_quote(fixtures .. "/dom_tables.py") .. " " .. shell_quote(dom))
  local parsed = p:read("a")
  assert(p:close(), "dom_tables.py failed")
  return cjson.decode(parsed), read(log)
end

local function console_lines(log)
  local t = {}
  for l in log:gmatch("[^\n]+") do
    if l:find(":CONSOLE", 1, true) then t[#t + 1] = l end
  end
  return t
end

local function column(tbl, header)
  for i, h in ipairs(tbl.headers) do
    if h == header then return i end
  end
  error("no column " .. header)
end

-- The sort key the page promises: data-v as a number for numeric columns,
-- else the text (ASCII case folded).
local function keys_of(tbl, col)
  local num = tbl.types[col] == "num"
  local t = {}
  for i, r in ipairs(tbl.rows) do
    local c = r.cells[col]
    local v = c.v ~= cjson.null and c.v or c.t
    if num then
      t[i] = tonumber(v) or -math.huge
    else
      t[i] = v:lower()
    end
  end
  return t
end

local function assert_sorted(keys, descending)
  for i = 2, #keys do
    if descending then
      assert.is_true(keys[i - 1] >= keys[i], string.format("row %d out of order", i))
    else
      assert.is_true(keys[i - 1] <= keys[i], string.format("row %d out of order", i))
    end
  end
end

local function row_ids(tbl)
  local t = {}
  for i, r in ipairs(tbl.rows) do t[i] = tonumber(r.i) end
  table.sort(t)
  return t
end

local function skip_without_tools()
  if not chromium then
    pending("chromium not installed")
    return true
  end
  if not python then
    pending("python3 not installed")
    return true
  end
  return false
end

describe("html report in headless chromium", function()
  it("the harness sees console errors (control case)", function()
    if skip_without_tools() then return end
    local bad = tmpname(".html")
    local f = assert(io.open(bad, "w"))
    f:write("<!DOCTYPE html><title>bad</title><script>no_such_function();</script>")
    f:close()
    local _, log = browse(bad)
    assert.are.equal(1, #console_lines(log))
  end)

  it("renders the hostile findings report escaped, without console errors or fetches", function()
    if skip_without_tools() then return end
    local path = render("hostile.lua")
    local src = read(path)
    local dom, log = browse(path)
    assert.are.same({}, console_lines(log))
    assert.are.equal("hivehunt: WS-01\\x1b]0;pwned\\x07|x \u{2014} 4 findings", dom.title)
    -- Nothing in the page can fetch: no src/href/on* attribute, a CSP that forbids it.
    assert.are.same({}, dom.fetching)
    assert.is_truthy(dom.csp and dom.csp:find("default-src 'none'", 1, true))
    assert.are.equal(1, dom.elements.script)
    assert.is_nil(dom.elements.img)
    -- Source: no raw control byte, our one script block, markup only as references.
    assert.is_falsy(src:find("[%z\1-\8\11-\31\127]"))
    assert.is_truthy(utf8.len(src))
    local _, scripts = src:gsub("<script", "")
    assert.are.equal(1, scripts)
    assert.is_truthy(src:find("&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quoted&quot; &#39;single&#39;", 1, true))

    local findings = dom.tables.findings
    assert.are.equal(4, #findings.rows)
    local svc = column(findings, "Service")
    assert.are.equal("evil\\x1b[31mRED\\x1b[0m\\nsvc", findings.rows[1].cells[svc].t)
    assert.are.equal("caf\u{e9}\u{4e2d}\u{6587}\u{1F600}", findings.rows[2].cells[svc].t)
    local msg = column(findings, "Message")
    assert.are.equal("remote-execution tool's service <img src=x onerror=alert(1)> & \"quoted\" 'single'",
      findings.rows[1].cells[msg].t)
    assert.are.equal("line1\\nline2\\r\\n|pipe|,comma \\u202eevil \\xff", findings.rows[2].cells[msg].t)
    -- one row per service key; its Details hold each finding's message and evidence, escaped
    local det = column(findings, "Details")
    assert.is_truthy(findings.rows[1].cells[det].t:find("remote-execution tool's service <img src=x onerror=alert(1)>", 1, true))
    assert.is_truthy(findings.rows[1].cells[det].t:find("1 finding", 1, true))
    local services = dom.tables.services
    assert.are.equal(3, #services.rows)
    assert.are.equal("Flag", services.headers[1])
    assert.are.equal("critical", services.rows[2].cells[1].t) -- the row the critical finding is on
    assert.are.equal("invoice\\u202efdp.exe", services.rows[3].cells[column(services, "Display name")].t)
    assert.are.same({ "log <b>LOG2</b> absent", "\\x1b[2Jcleared" }, dom.warnings) -- the <b> stayed text
  end)

  it("sorts by any column header, numbers numerically, twice for descending", function()
    if skip_without_tools() then return end
    local path = render("hostile.lua")
    local dom = browse(path)
    assert.is_nil(dom.root["data-sorted"])
    local findings, services = dom.tables.findings, dom.tables.services
    local F = function(h) return column(findings, h) end
    local S = function(h) return column(services, h) end
    -- Each load sorts one or both tables: { table, column, clicks, descending, expected keys }.
    local loads = {
      { { "findings", F "Score", 1, false, { 10, 40.5, 70, 95 } }, { "services", S "Name", 1, false } },
      { { "findings", F "Score", 2, true, { 95, 70, 40.5, 10 } }, { "services", S "Last write (UTC)", 1, false } },
      { { "findings", F "Severity", 1, false, { 2, 3, 4, 5 } } },
      -- A text sort that is not the input order, so the check could fail.
      { { "findings", F "Service", 1, false, { "=cmd()", "caf\u{e9}\u{4e2d}\u{6587}\u{1F600}", "dnscache",
          "evil\\x1b[31mred\\x1b[0m\\nsvc" } } },
      { { "findings", F "Last write (UTC)", 2, true } },
    }
    for _, load in ipairs(loads) do
      local specs = {}
      for _, case in ipairs(load) do
        for _ = 1, case[3] do specs[#specs + 1] = case[1] .. ":" .. (case[2] - 1) end
      end
      local sorted = browse(path, "sort=" .. table.concat(specs, ","))
      assert.are.equal(table.concat(specs, ","), sorted.root["data-sorted"])
      for _, case in ipairs(load) do
        local id, col, _, descending, want = table.unpack(case)
        local tbl = sorted.tables[id]
        local keys = keys_of(tbl, col)
        assert_sorted(keys, descending)
        assert.are.same(row_ids(dom.tables[id]), row_ids(tbl)) -- same rows, reordered
        if want then assert.are.same(want, keys) end
      end
    end
  end)

  it("renders a service report (no findings, no flag column)", function()
    if skip_without_tools() then return end
    local dom, log = browse(render("hostile.lua", "services"))
    assert.are.same({}, console_lines(log))
    assert.is_nil(dom.tables.findings)
    assert.are.equal(3, #dom.tables.services.rows)
    assert.are.equal("Last write (UTC)", dom.tables.services.headers[1])
  end)

  it("shows the intrusion burst apart from the install bulk on the timeline", function()
    if skip_without_tools() then return end
    local dom, log = browse(render("demo.lua"))
    assert.are.same({}, console_lines(log))
    local hot, install, dots, detail = {}, nil, {}, {}
    for _, item in ipairs(dom.svg) do
      if item.tag == "rect" and item.class == "bin" then
        if item.title:find(", with findings", 1, true) then hot[#hot + 1] = item.title end
        if item.title:find("^2009%-07%-14") then install = item end
      elseif item.tag == "circle" and item.svg == "day-detail" then
        detail[#detail + 1] = item.title:match("^(%S+)")
      elseif item.tag == "circle" then
        dots[#dots + 1] = item.title:match("^(%S+)")
        -- Every dot sits in the burst; Netman's through its Parameters key.
        assert.is_truthy(item.title:find("2012-11-20T", 1, true), item.title)
      end
    end
    -- One highlighted bin, in November 2012, and it is not the install bulk.
    assert.are.equal(1, #hot)
    assert.is_truthy(hot[1]:find("2012-11", 1, true), hot[1])
    assert.is_truthy(install and not install.title:find("with findings", 1, true))
    assert.is_truthy(tonumber(install.title:match(": (%d+) keys")) > 300)
    table.sort(dots)
    assert.are.same({ "Netman", "PSEXESVC", "WinDefend" }, dots)
    -- The day of the latest finding, hour by hour, holds the same three keys.
    table.sort(detail)
    assert.are.same({ "Netman", "PSEXESVC", "WinDefend" }, detail)
    assert.are.equal(3, #dom.tables.findings.rows) -- 5 findings, one row per service key
    assert.are.equal(666, #dom.tables.services.rows)
  end)
end)
