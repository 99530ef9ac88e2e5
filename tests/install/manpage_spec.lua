-- hivehunt(1) (host/dist/hivehunt.1) against the binary's own --help: the
-- same commands, each command's synopsis names exactly the options its
-- --help names, every option has an entry, and the formats and exit codes
-- match. The page cannot drift from the command line without failing here.
local bin = assert(os.getenv("HH_BIN"))
local src = assert(os.getenv("HH_SOURCE_DIR"))
local page_path = src .. "/host/dist/hivehunt.1"

local function sh(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

local function run(cmd)
  local p = assert(io.popen(cmd .. " 2>&1"))
  local out = p:read("a")
  local ok, _, code = p:close()
  return out, ok and 0 or code
end

local function help(cmd)
  local out, code = run(sh(bin) .. (cmd and (" " .. cmd) or "") .. " --help")
  assert.are.equal(0, code, out)
  return out
end

local function set_of(list)
  local s = {}
  for _, v in ipairs(list) do s[v] = true end
  return s
end

local function sorted_keys(s)
  local out = {}
  for k in pairs(s) do out[#out + 1] = k end
  table.sort(out)
  return out
end

local function options_in(text)
  local s = {}
  for name in text:gmatch("%-%-([%a][%w%-]*)") do s[name] = true end
  return s
end

-- The page as sections (.SH) and subsections (.SS) of raw roff lines, with
-- roff's \- turned into plain hyphens.
local page = assert(io.open(page_path)):read("a"):gsub("\\%-", "-")
local sections, subsections, order = {}, {}, {}
do
  local sh_name, ss_name
  for line in page:gmatch("([^\n]*)\n") do
    local s = line:match("^%.SH%s+(.+)$")
    local ss = line:match("^%.SS%s+(.+)$")
    if s then
      sh_name, ss_name = s:gsub('"', ""), nil
      sections[sh_name] = {}
      order[#order + 1] = sh_name
    elseif ss and sh_name then
      ss_name = ss
      subsections[sh_name] = subsections[sh_name] or {}
      subsections[sh_name][ss_name] = {}
    elseif sh_name then
      table.insert(sections[sh_name], line)
      if ss_name then table.insert(subsections[sh_name][ss_name], line) end
    end
  end
end

-- The first line after each .TP: an entry's head.
local function tp_heads(section)
  local heads, lines = {}, assert(sections[section], "no section " .. section)
  for i, line in ipairs(lines) do
    if line == ".TP" and lines[i + 1] then heads[#heads + 1] = lines[i + 1] end
  end
  return heads
end

local function commands_from_help()
  local out = help(nil)
  local block = assert(out:match("commands:\n(.-\n)\n"), out)
  local list = {}
  for line in block:gmatch("([^\n]*)\n") do list[#list + 1] = line:match("^  (%w+)%s") end
  return list
end

describe("hivehunt(1)", function()
  it("has the sections a man page is read by", function()
    for _, s in ipairs({ "NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "OPTIONS", "FORMATS",
                         "EXIT STATUS", "ENVIRONMENT", "FILES", "EXAMPLES" }) do
      assert.truthy(sections[s], "missing section " .. s)
    end
  end)

  it("formats without a groff warning", function()
    local out, code = run("groff -man -Tutf8 -ww -z " .. sh(page_path))
    assert.are.equal(0, code, out)
    assert.are.equal("", out)
  end)

  it("describes exactly the commands of hivehunt --help", function()
    local commands = commands_from_help()
    assert.is_true(#commands >= 5, "parsed commands: " .. table.concat(commands, " "))
    assert.are.same(sorted_keys(set_of(commands)), sorted_keys(subsections.COMMANDS or {}))
  end)

  it("gives each command exactly the options of its --help", function()
    for _, cmd in ipairs(commands_from_help()) do
      local want = sorted_keys(options_in(help(cmd)))
      local got = sorted_keys(options_in(table.concat(subsections.COMMANDS[cmd], "\n")))
      assert.are.same(want, got, "options of '" .. cmd .. "'")
    end
  end)

  it("has an OPTIONS entry for every option, and none for options that do not exist", function()
    local want = { help = true, version = true }
    for _, cmd in ipairs(commands_from_help()) do
      for o in pairs(options_in(help(cmd))) do want[o] = true end
    end
    local got = {}
    for _, head in ipairs(tp_heads("OPTIONS")) do
      for o in pairs(options_in(head)) do got[o] = true end
    end
    assert.are.same(sorted_keys(want), sorted_keys(got))
    local out, code = run(sh(bin) .. " --version")
    assert.are.equal(0, code, out)
    assert.truthy(out:match("^hivehunt %d+%.%d+"), out)
  end)

  it("lists the formats --format accepts", function()
    local list = assert(help("hunt"):match("%-%-format ([%w|]+)"))
    local want = {}
    for f in list:gmatch("%w+") do want[f] = true end
    local got = {}
    for _, head in ipairs(tp_heads("FORMATS")) do got[assert(head:match("^%.B (%w+)$"), head)] = true end
    assert.are.same(sorted_keys(want), sorted_keys(got))
  end)

  it("lists the exit codes of hivehunt --help", function()
    local block = assert(help(nil):match("exit codes:(.-)\n'"))
    local want = {}
    for code in block:gmatch("(%d) %a") do want[code] = true end
    local got = {}
    for _, head in ipairs(tp_heads("EXIT STATUS")) do got[assert(head:match("^%.B (%d+)$"), head)] = true end
    assert.are.same(sorted_keys(want), sorted_keys(got))
    assert.truthy(want["4"])
  end)
end)
