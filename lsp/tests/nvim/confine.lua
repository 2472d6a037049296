-- Drives profilec-lsp on a `.confine` file from headless Neovim (0.7 API).
-- Reads PROFILEC_LSP (the server), CONFINE (the file to open) and OUT;
-- writes `definition FILE LINE:COL` for the base after `extends` (line 2,
-- column 12), `rename-error MESSAGE` for an invalid new name, and
-- `text LINE` after renaming the profile.
local server = os.getenv('PROFILEC_LSP')
local path = os.getenv('CONFINE')
local out_path = os.getenv('OUT')
local out = {}
local function emit(line) table.insert(out, line) end
local function finish()
  local f = io.open(out_path, 'w')
  f:write(table.concat(out, '\n') .. '\n')
  f:close()
  vim.cmd('qa!')
end

vim.cmd('edit ' .. vim.fn.fnameescape(path))
local buf = vim.api.nvim_get_current_buf()
local client_id = vim.lsp.start_client({
  name = 'profilec-lsp',
  cmd = { server },
  root_dir = vim.fn.fnamemodify(path, ':h'),
})
if not client_id then emit('error no client'); finish() end
vim.lsp.buf_attach_client(buf, client_id)
local ready = vim.wait(20000, function()
  local c = vim.lsp.get_client_by_id(client_id)
  return c ~= nil and c.initialized
end, 50)
if not ready then emit('error timeout waiting for the server') end

local uri = vim.uri_from_bufnr(buf)
local at = { textDocument = { uri = uri }, position = { line = 2, character = 12 } }
local responses = vim.lsp.buf_request_sync(buf, 'textDocument/definition', at, 10000) or {}
for _, r in pairs(responses) do
  local result = r.result
  if result and result.uri == nil then result = result[1] end
  if result then
    emit(string.format('definition %s %d:%d', vim.fn.fnamemodify(vim.uri_to_fname(result.uri), ':t'),
      result.range.start.line, result.range.start.character))
  end
  if r.error or r.err then emit('error definition ' .. vim.inspect(r.error or r.err)) end
end

local bad = { textDocument = { uri = uri }, position = { line = 1, character = 9 }, newName = 'no/slash' }
responses = vim.lsp.buf_request_sync(buf, 'textDocument/rename', bad, 10000) or {}
for _, r in pairs(responses) do
  local err = r.error or r.err
  if err then emit('rename-error ' .. err.message) end
end

local good = { textDocument = { uri = uri }, position = { line = 1, character = 9 }, newName = 'frontend' }
responses = vim.lsp.buf_request_sync(buf, 'textDocument/rename', good, 10000) or {}
for _, r in pairs(responses) do
  if r.result then vim.lsp.util.apply_workspace_edit(r.result, 'utf-16') end
  if r.error or r.err then emit('error rename ' .. vim.inspect(r.error or r.err)) end
end
for _, line in ipairs(vim.api.nvim_buf_get_lines(buf, 0, -1, false)) do
  emit('text ' .. line)
end
finish()
