from reactor_repl.cli import main

raise SystemExit(main())
