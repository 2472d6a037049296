" Filetypes for profilec-lsp: AppArmor policy under any apparmor.d tree
" (profiles, abstractions, tunables, local/), and .confine files.
autocmd BufRead,BufNewFile */apparmor.d/* set filetype=apparmor
autocmd BufRead,BufNewFile *.confine set filetype=confine
