// Stand-ins of issue #15 (see README.md); each module exports its starter.
export {};
