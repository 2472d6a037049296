-- profilec-lsp for Neovim.
--
-- With nvim-lspconfig:   require('profilec').setup({ include_dirs = { '/opt/policy' } })
-- Without it (0.8+):     the same call starts the server with vim.lsp.start.
local M = {}

local function settings(opts)
  return {
    includeDirs = opts.include_dirs or {},
    baseDir = opts.base_dir,
  }
end

function M.config(opts)
  opts = opts or {}
  return {
    name = 'profilec',
    cmd = opts.cmd or { 'profilec-lsp' },
    filetypes = opts.filetypes or { 'apparmor', 'confine' },
    init_options = settings(opts),
    settings = { profilec = settings(opts) },
  }
end

function M.setup(opts)
  local config = M.config(opts)
  local ok, configs = pcall(require, 'lspconfig.configs')
  if ok then
    if not configs.profilec then
      configs.profilec = {
        default_config = {
          cmd = config.cmd,
          filetypes = config.filetypes,
          root_dir = function(fname)
            return require('lspconfig.util').find_git_ancestor(fname) or vim.fn.fnamemodify(fname, ':h')
          end,
          init_options = config.init_options,
          settings = config.settings,
        },
      }
    end
    require('lspconfig').profilec.setup({})
    return
  end
  -- No lspconfig: start the server for each buffer of our filetypes.
  vim.api.nvim_create_autocmd('FileType', {
    pattern = config.filetypes,
    callback = function(args)
      local root = vim.fn.fnamemodify(vim.api.nvim_buf_get_name(args.buf), ':h')
      if vim.lsp.start then
        vim.lsp.start(vim.tbl_extend('force', config, { root_dir = root }))
      else
        local id = vim.lsp.start_client(vim.tbl_extend('force', config, { root_dir = root }))
        if id then vim.lsp.buf_attach_client(args.buf, id) end
      end
    end,
  })
end

return M
