"""One reader per input format. Each turns a file into :class:`kg.readers.nodes.Node` trees that
carry the line of every value, so that every later problem can name its file and line."""
