from grcim.cli.main import main

raise SystemExit(main())
