"""The demo's composition root: `kikin manage load_demo` loads every app's demo data in order.
It sits above every app (the import contracts' top layer), so no app reaches up for the demo."""
