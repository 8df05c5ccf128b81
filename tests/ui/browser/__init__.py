"""Helpers for the end-to-end browser test: a throwaway JupyterLab server and page actions."""
