-- Loads editors/nvim the way a user does (runtimepath + filetype on) and
-- writes the filetype of each path in PATHS (colon-separated), then the
-- server command of require('profilec').config().
local out = {}
vim.cmd('filetype on')
for path in string.gmatch(os.getenv('PATHS'), '[^:]+') do
  vim.cmd('edit ' .. vim.fn.fnameescape(path))
  table.insert(out, vim.bo.filetype)
end
table.insert(out, table.concat(require('profilec').config().cmd, ' '))
local f = io.open(os.getenv('OUT'), 'w')
f:write(table.concat(out, '\n') .. '\n')
f:close()
vim.cmd('qa!')
