"""The build folder, one home: its layout, names and lock (:mod:`.layout`), reading a build
(:mod:`.reading`), and writing one all or nothing (:mod:`.commit`). Import from the submodules."""
