-- Shared by the writer's specs: the fixture manifest and small process helpers.
local M = {}

local testdata = assert(os.getenv("HH_TESTDATA"), "HH_TESTDATA not set (run through ctest)")
M.manifest = dofile(testdata .. "/manifest.lua")
M.mkhive = M.manifest.mkhive
M.testdata = testdata

function M.path(name) return testdata .. "/" .. name end

function M.fixtures(kind)
  local out = {}
  for _, f in ipairs(M.manifest.fixtures) do
    if not kind or f.kind == kind then out[#out + 1] = f end
  end
  return out
end

function M.quote(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

-- Run a shell command; returns stdout, stderr, exit code.
function M.run(cmd)
  local errfile = os.tmpname()
  local p = assert(io.popen(cmd .. " 2>" .. errfile))
  local out = p:read("a")
  local _, _, code = p:close()
  local f = io.open(errfile, "rb")
  local err = f and f:read("a") or ""
  if f then f:close() end
  os.remove(errfile)
  return out, err, code
end

function M.have(tool)
  local _, _, code = M.run("command -v " .. tool .. " >/dev/null")
  return code == 0
end

-- Write spec text to a temp file and build it; returns hive path, spec path.
function M.build(spec_text, options)
  local spec = os.tmpname()
  local f = assert(io.open(spec, "wb"))
  f:write(spec_text)
  f:close()
  local hive = os.tmpname()
  local _, err, code = M.run(M.quote(M.mkhive) .. " " .. M.quote(spec) .. " " .. M.quote(hive)
                             .. " " .. (options or ""))
  assert(code == 0, "hh-mkhive failed: " .. err)
  return hive, spec
end

return M
