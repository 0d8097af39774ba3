from slalang.cli import main

raise SystemExit(main())
