"""Case handling (一窗受理 · 并联审批 · 统一出件): applications, window acceptance, department tasks
approved in parallel, time limits on the working-day calendar, commitments and post-checks."""
