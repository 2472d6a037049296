-- Drives profilec-lsp from headless Neovim (0.7 API: start_client,
-- buf_attach_client, buf_request_sync). Reads PROFILEC_LSP (the server),
-- PROFILE (the file to open) and OUT (where to write results), writes one
-- result per line: `diag LINE CODE`, `completion LABEL...`, `text LINE`.
local server = os.getenv('PROFILEC_LSP')
local profile = os.getenv('PROFILE')
local out_path = os.getenv('OUT')
local out = {}
local function emit(line) table.insert(out, line) end
local function finish()
  local f = io.open(out_path, 'w')
  f:write(table.concat(out, '\n') .. '\n')
  f:close()
  vim.cmd('qa!')
end

vim.cmd('edit ' .. vim.fn.fnameescape(profile))
local buf = vim.api.nvim_get_current_buf()
local client_id = vim.lsp.start_client({
  name = 'profilec-lsp',
  cmd = { server },
  root_dir = vim.fn.fnamemodify(profile, ':h'),
  init_options = { includeDirs = {}, diagnosticsUrl = 'https://example.invalid/d.md' },
})
if not client_id then emit('error no client'); finish() end
vim.lsp.buf_attach_client(buf, client_id)

local ok = vim.wait(20000, function() return #vim.diagnostic.get(buf) >= 2 end, 50)
if not ok then emit('error timeout waiting for diagnostics') end
local diags = vim.diagnostic.get(buf)
table.sort(diags, function(a, b) return a.lnum < b.lnum end)
for _, d in ipairs(diags) do
  emit(string.format('diag %d %s', d.lnum, tostring(d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code))))
end

-- Completion after `capability ` on line 2 (0-based), column 13.
local params = {
  textDocument = { uri = vim.uri_from_bufnr(buf) },
  position = { line = 2, character = 13 },
}
local responses = vim.lsp.buf_request_sync(buf, 'textDocument/completion', params, 10000) or {}
local labels = {}
for _, r in pairs(responses) do
  local items = r.result and (r.result.items or r.result) or {}
  for _, item in ipairs(items) do table.insert(labels, item.label) end
end
emit('completion ' .. table.concat(labels, ' '))

-- Rename the variable at line 0, column 3 (inside `@{DATA}`).
local rename = {
  textDocument = { uri = vim.uri_from_bufnr(buf) },
  position = { line = 0, character = 3 },
  newName = 'STORE',
}
responses = vim.lsp.buf_request_sync(buf, 'textDocument/rename', rename, 10000) or {}
for _, r in pairs(responses) do
  if r.result then vim.lsp.util.apply_workspace_edit(r.result, 'utf-16') end
  -- Neovim 0.7 reports a request's error as `error`.
  if r.error or r.err then emit('error rename ' .. vim.inspect(r.error or r.err)) end
end
for _, line in ipairs(vim.api.nvim_buf_get_lines(buf, 0, -1, false)) do
  emit('text ' .. line)
end
finish()
