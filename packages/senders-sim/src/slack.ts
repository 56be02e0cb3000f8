// Stand-in: built by issue #15 (see ../README.md).
export const slackPlaceholder = true;
