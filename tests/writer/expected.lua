-- hh-mkhive --dump-expected, parsed: what a reader must find in a fixture.
local H = require "helpers"
local M = {}

local function utf16_ascii(hex)
  local bytes = hex:gsub("%x%x", function(b) return string.char(tonumber(b, 16)) end)
  local out = {}
  for i = 1, #bytes - 1, 2 do
    local lo, hi = bytes:byte(i, i + 1)
    if lo == 0 and hi == 0 then break end
    out[#out + 1] = hi == 0 and string.char(lo) or "?"
  end
  return table.concat(out)
end
M.utf16_ascii = utf16_ascii

-- Returns { lines = sorted array, keys = n, values = n, by_path = {path -> {name -> {type, hex}}} }
function M.load(fixture)
  local args = ""
  for _, o in ipairs(fixture.options) do args = args .. " " .. H.quote(o) end
  local out, err, code = H.run(H.quote(H.mkhive) .. " --dump-expected " .. H.quote(fixture.spec) .. args)
  assert(code == 0, "dump-expected failed: " .. err)
  local r = { lines = {}, keys = 0, values = 0, by_path = {} }
  for line in out:gmatch("[^\n]+") do
    r.lines[#r.lines + 1] = line
    local kind, path, a, b, c = line:match("^(%u)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t?(.*)$")
    if kind == "K" then
      r.keys = r.keys + 1
      r.by_path[path] = r.by_path[path] or {}
    elseif kind == "V" then
      r.values = r.values + 1
      r.by_path[path] = r.by_path[path] or {}
      r.by_path[path][a] = { type = tonumber(b), hex = c }
    end
  end
  table.sort(r.lines)
  return r
end

return M
