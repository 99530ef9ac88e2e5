-- Deterministic hive mutations for the hostile-input tests: a seeded PRNG
-- and structure-aware damage (cell sizes, offsets and counts in nk, vk and
-- subkey-list cells, base block fields), plus bit flips, block copies and
-- truncations. The same seed always gives the same bytes, so a failure
-- names a mutant that can be rebuilt (mutate.mutant(base, seed)).
local M = {}

local BASE = 4096 -- base block size; cell offsets count from its end

-- xorshift64*: small, fast, and the same on every Lua 5.4 build.
local function rng(seed)
  local s = seed * 0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019
  if s == 0 then s = 1 end
  local r = {}
  function r.next()
    s = s ~ (s >> 12); s = s ~ (s << 25); s = s ~ (s >> 27)
    return (s * 0x2545F4914F6CDD1D) >> 11 -- 53 bits, non-negative
  end
  function r.below(n) return r.next() % n end
  function r.pick(t) return t[r.below(#t) + 1] end
  return r
end

local function u32(bytes, pos) return (string.unpack("<I4", bytes, pos + 1)) end

-- Every allocated or free cell in the hive bins: { pos = file offset of the
-- size field, size = signed size, sig = two-letter signature or "" }.
function M.cells(bytes)
  local cells = {}
  local pos = BASE
  while pos + 32 <= #bytes and bytes:sub(pos + 1, pos + 4) == "hbin" do
    local binsize = u32(bytes, pos + 8)
    if binsize < 4096 or pos + binsize > #bytes then break end
    local c = pos + 32
    while c + 4 <= pos + binsize do
      local size = string.unpack("<i4", bytes, c + 1)
      local len = math.abs(size)
      if len < 8 or c + len > pos + binsize then break end
      cells[#cells + 1] = { pos = c, size = size, sig = bytes:sub(c + 5, c + 6) }
      c = c + len
    end
    pos = pos + binsize
  end
  return cells
end

-- Fields worth lying about, by cell signature: byte offsets from the
-- signature (the cell's data start).
local FIELDS = {
  nk = { 0x10, 0x14, 0x18, 0x1C, 0x20, 0x24, 0x28, 0x2C, 0x30, 0x48, 0x4A },
  vk = { 0x02, 0x04, 0x08, 0x0C },
  lf = { 0x02, 0x04, 0x0C }, lh = { 0x02, 0x04, 0x0C },
  li = { 0x02, 0x04, 0x08 }, ri = { 0x02, 0x04, 0x08 },
  db = { 0x02, 0x04 },
  sk = { 0x04, 0x08, 0x0C, 0x10 },
}
-- Base block fields: sequence numbers, version, root cell, bins size.
local BASE_FIELDS = { 4, 8, 20, 24, 28, 32, 36, 40 }

local function put(bytes, pos, data)
  return bytes:sub(1, pos) .. data .. bytes:sub(pos + #data + 1)
end

local function interesting(r, bytes, cells)
  local pick = r.below(10)
  if pick == 0 then return 0 end
  if pick == 1 then return 0xFFFFFFFF end
  if pick == 2 then return 0x7FFFFFFF end
  if pick == 3 then return 0x80000000 end
  if pick == 4 then return #bytes - BASE end           -- one past the end
  if pick == 5 then return #bytes - BASE - 4 end       -- the last bytes
  if pick == 6 and #cells > 0 then                     -- another cell: confusion, cycles
    return r.pick(cells).pos - BASE
  end
  if pick == 7 then return r.below(0x10000) end        -- a plausible count
  if pick == 8 then return r.below(#bytes) end
  return r.next() & 0xFFFFFFFF
end

local kinds = {}

function kinds.bitflip(r, bytes)
  local n = 1 + r.below(16)
  for _ = 1, n do
    local pos = BASE + r.below(#bytes - BASE)
    local b = bytes:byte(pos + 1) ~ (1 << r.below(8))
    bytes = put(bytes, pos, string.char(b))
  end
  return bytes, ("bitflip x%d"):format(n)
end

function kinds.field(r, bytes, cells)
  local typed = {}
  for _, c in ipairs(cells) do
    if c.size < 0 and FIELDS[c.sig] then typed[#typed + 1] = c end
  end
  if #typed == 0 then return kinds.bitflip(r, bytes) end
  local c = r.pick(typed)
  local off = r.pick(FIELDS[c.sig])
  local v = interesting(r, bytes, cells)
  -- two-byte fields (name lengths, counts of lists) get the low half
  local wide = not (c.sig == "nk" and off >= 0x48) and off ~= 0x02
  local data = wide and string.pack("<I4", v) or string.pack("<I2", v & 0xFFFF)
  return put(bytes, c.pos + 4 + off, data), ("%s@%d+0x%x=0x%x"):format(c.sig, c.pos, off, v)
end

function kinds.cellsize(r, bytes, cells)
  if #cells == 0 then return kinds.bitflip(r, bytes) end
  local c = r.pick(cells)
  local choices = { 0, 4, 8, -4, -8, 0x7FFFFFF8, -0x7FFFFFF8, -(#bytes), c.size * 2, -c.size, c.size + 8 }
  local v = r.pick(choices)
  return put(bytes, c.pos, string.pack("<i4", v)), ("cellsize@%d=%d"):format(c.pos, v)
end

function kinds.basefield(r, bytes, cells)
  local off = r.pick(BASE_FIELDS)
  local v = interesting(r, bytes, cells)
  return put(bytes, off, string.pack("<I4", v)), ("base+%d=0x%x"):format(off, v)
end

function kinds.truncate(r, bytes)
  local len = r.below(#bytes - 1) + 1
  return bytes:sub(1, len), ("truncate %d"):format(len)
end

function kinds.copyblock(r, bytes)
  local n = 16 + r.below(512)
  local from = BASE + r.below(#bytes - BASE - n)
  local to = BASE + r.below(#bytes - BASE - n)
  return put(bytes, to, bytes:sub(from + 1, from + n)), ("copy %d bytes %d->%d"):format(n, from, to)
end

-- Weighted: structure-aware damage most, since random flips mostly land in
-- free space and string data.
local ORDER = { "field", "field", "field", "cellsize", "cellsize", "bitflip", "bitflip",
                "basefield", "truncate", "copyblock" }

-- One mutant of base (a string of hive bytes) for seed; returns the bytes and a
-- one-line description. 1-3 mutations stacked.
function M.mutant(base, seed, cells)
  cells = cells or M.cells(base)
  local r = rng(seed)
  local bytes, what = base, {}
  for _ = 1, 1 + r.below(3) do
    local kind = r.pick(ORDER)
    local d
    bytes, d = kinds[kind](r, bytes, cells)
    what[#what + 1] = d
  end
  return bytes, table.concat(what, "; ")
end

return M
