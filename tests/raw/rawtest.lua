-- Helpers shared by the raw-layer specs: corpus lookup and whole-hive walks.
local M = {}

M.corpus = os.getenv("HH_CORPUS")

-- The path of a corpus file, or nil when the corpus (or that file) is absent.
function M.corpus_file(rel)
  if not M.corpus or M.corpus == "" then return nil end
  local p = M.corpus .. "/" .. rel
  local f = io.open(p, "rb")
  if not f then return nil end
  f:close()
  return p
end

-- Every key and value as sorted text lines: path, LastWrite, and per value
-- name, type and the raw data in hex. Two hives with equal lines hold the
-- same registry content.
function M.dump(hive)
  local out = {}
  local function hex(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end
  local function walk(k)
    out[#out + 1] = "K " .. k.path .. " " .. tostring(k.last_write)
    for v in k:values() do
      assert(v, "unreadable value under " .. k.path)
      out[#out + 1] = "V " .. k.path .. " :: " .. v.name .. " " .. v.type .. " " .. hex(v:raw())
    end
    for s, err in k:subkeys() do
      assert(s, err)
      walk(s)
    end
  end
  walk(assert(hive:root()))
  table.sort(out)
  return out
end

-- Counts keys (root included) and values over the whole tree.
function M.count(hive)
  local keys, values = 0, 0
  local function walk(k)
    keys = keys + 1
    values = values + k.value_count
    for s, err in k:subkeys() do
      assert(s, err)
      walk(s)
    end
  end
  walk(assert(hive:root()))
  return keys, values
end

function M.subkey_names(key)
  local names = {}
  for s in key:subkeys() do
    if s then names[#names + 1] = s.name end
  end
  return names
end

-- A private directory for copies of corpus files (logs left out on purpose).
function M.tmpdir()
  local p = os.tmpname()
  os.remove(p)
  assert(os.execute("mkdir -p '" .. p .. "'"))
  return p
end

function M.copy(src, dst)
  local i = assert(io.open(src, "rb"))
  local o = assert(io.open(dst, "wb"))
  o:write(i:read("a"))
  i:close()
  o:close()
end

function M.has_warning(hive, pattern)
  for _, w in ipairs(hive.warnings) do
    if w:find(pattern) then return w end
  end
  return nil
end

-- Marvin32 (the log entries' hash), so a spec can forge an entry that
-- validates: what an attacker who knows the format can do.
local MASK = 0xFFFFFFFF
local function rotl(x, r) return ((x << r) | (x >> (32 - r))) & MASK end
local function mix(lo, hi)
  hi = hi ~ lo
  lo = (rotl(lo, 20) + hi) & MASK
  hi = rotl(hi, 9) ~ lo
  lo = (rotl(lo, 27) + hi) & MASK
  hi = rotl(hi, 19)
  return lo, hi
end
function M.marvin32(seed, s)
  local lo, hi = seed & MASK, (seed >> 32) & MASK
  local n, i = #s, 1
  while n - i + 1 >= 4 do
    lo = (lo + string.unpack("<I4", s, i)) & MASK
    lo, hi = mix(lo, hi)
    i = i + 4
  end
  local final = 0x80
  for k = n, i, -1 do final = (final << 8) | s:byte(k) end
  lo = (lo + final) & MASK
  lo, hi = mix(lo, hi)
  lo, hi = mix(lo, hi)
  return (hi << 32) | lo
end
M.LOG_SEED = 0x82EF4D887A4E55C5

return M
