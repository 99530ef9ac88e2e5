-- A deliberately tiny, independent REGF byte reader for the writer's tests:
-- it checks the layout hh-mkhive produced (free cells, lists, base block)
-- without going through libregf or hh.regf.
local M = {}
local Hive = {}
Hive.__index = Hive

function M.load(path)
  local f = assert(io.open(path, "rb"))
  local data = f:read("a")
  f:close()
  return setmetatable({ data = data, path = path }, Hive)
end

function Hive:u16(pos) return (string.unpack("<I2", self.data, pos + 1)) end
function Hive:u32(pos) return (string.unpack("<I4", self.data, pos + 1)) end
function Hive:i32(pos) return (string.unpack("<i4", self.data, pos + 1)) end
function Hive:bytes(pos, n) return self.data:sub(pos + 1, pos + n) end

-- Absolute file position of a cell's size field.
local function at(off) return 4096 + off end

function Hive:base()
  local x = 0
  for i = 0, 508 - 4, 4 do x = x ~ self:u32(i) end
  if x == 0xFFFFFFFF then x = 0xFFFFFFFE elseif x == 0 then x = 1 end
  return {
    signature = self:bytes(0, 4), seq1 = self:u32(4), seq2 = self:u32(8),
    timestamp = string.unpack("<I8", self.data, 13),
    major = self:u32(20), minor = self:u32(24), root = self:u32(36),
    bins_size = self:u32(40), checksum = self:u32(508), computed = x,
    file_name = (self:bytes(48, 64):gsub("%z%z.*$", ""):gsub("(.)%z", "%1")),
  }
end

function Hive:cell_size(off) return self:i32(at(off)) end
function Hive:sig(off) return self:bytes(at(off) + 4, 2) end

function Hive:nk(off)
  local p = at(off) + 4
  assert(self:bytes(p, 2) == "nk", "no nk at " .. off)
  local flags, namelen = self:u16(p + 2), self:u16(p + 72)
  local raw = self:bytes(p + 76, namelen)
  local name = raw
  if flags & 0x20 == 0 then name = raw:gsub("(.)%z", "%1") end
  return {
    off = off, flags = flags, name = name, raw_name = raw,
    last_write = string.unpack("<I8", self.data, p + 4 + 1),
    parent = self:u32(p + 16), nsub = self:u32(p + 20), slist = self:u32(p + 28),
    nval = self:u32(p + 36), vlist = self:u32(p + 40), sk = self:u32(p + 44),
    class = self:u32(p + 48),
  }
end

-- Child nk offsets of a subkey list cell, following ri indexes. Returns the
-- offsets and the signatures of the list cells met.
function Hive:list_entries(off, out, sigs)
  out, sigs = out or {}, sigs or {}
  local p = at(off) + 4
  local sig, n = self:bytes(p, 2), self:u16(p + 2)
  sigs[#sigs + 1] = sig
  if sig == "lf" or sig == "lh" then
    for i = 0, n - 1 do out[#out + 1] = self:u32(p + 4 + 8 * i) end
  elseif sig == "li" then
    for i = 0, n - 1 do out[#out + 1] = self:u32(p + 4 + 4 * i) end
  elseif sig == "ri" then
    for i = 0, n - 1 do self:list_entries(self:u32(p + 4 + 4 * i), out, sigs) end
  else
    error("unknown list signature " .. sig)
  end
  return out, sigs
end

function Hive:children(nk)
  if nk.slist == 0xFFFFFFFF then return {} end
  local out = {}
  for _, o in ipairs((self:list_entries(nk.slist))) do out[#out + 1] = self:nk(o) end
  return out
end

-- Live key by path (case-insensitive, ASCII names), or nil.
function Hive:find(path)
  local k = self:nk(self:base().root)
  for seg in path:gmatch("[^\\]+") do
    local found
    for _, c in ipairs(self:children(k)) do
      if c.name:upper() == seg:upper() then found = c break end
    end
    if not found then return nil end
    k = found
  end
  return k
end

-- Value cells of a key: { name, type, size (flag stripped), inline, data_off }.
function Hive:values(nk)
  local out = {}
  for i = 0, nk.nval - 1 do
    local vk = self:u32(at(nk.vlist) + 4 + 4 * i)
    local p = at(vk) + 4
    assert(self:bytes(p, 2) == "vk", "no vk at " .. vk)
    local size = self:u32(p + 4)
    out[#out + 1] = {
      off = vk, name = self:bytes(p + 20, self:u16(p + 2)), type = self:u32(p + 12),
      size = size & 0x7FFFFFFF, inline = size & 0x80000000 ~= 0, data_off = self:u32(p + 8),
    }
  end
  return out
end

-- Every cell in every bin: { off, size (signed), sig }.
function Hive:cells()
  local out, pos = {}, 4096
  local last = 4096 + self:base().bins_size
  while pos + 32 <= last and pos + 32 <= #self.data do
    assert(self:bytes(pos, 4) == "hbin", "no hbin at " .. pos)
    assert(self:u32(pos + 4) == pos - 4096, "hbin offset field wrong at " .. pos)
    local binsize = self:u32(pos + 8)
    assert(binsize % 4096 == 0, "hbin size not 4096-aligned at " .. pos)
    local c = pos + 32
    while c < pos + binsize do
      local size = self:i32(c)
      out[#out + 1] = { off = c - 4096, size = size, sig = self:bytes(c + 4, 2) }
      local len = size < 0 and -size or size
      assert(len >= 8 and len % 8 == 0, "bad cell size at " .. c)
      c = c + len
    end
    assert(c == pos + binsize, "cells overrun bin at " .. pos)
    pos = pos + binsize
  end
  assert(pos == last, "bins do not add up to the base block's size")
  return out
end

return M
