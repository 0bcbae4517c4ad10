# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Backpropagation, derived, computed and watched · Start here
#
# Each chapter of this course is a notebook: it derives its formulas, computes them in short cells,
# lets you watch them at work, and ends with exercises. Every exercise has a *check*: a cell that runs
# your code on several inputs and says at once whether it is right.
#
# **Where am I?** Run the cell below (Shift+Enter). It lists every chapter with what it teaches and a
# link that opens it, and for each exercise whether its check has passed on this computer. After you
# pass a check in a chapter, come back here and press **Refresh** (or run the cell again).
#
# **What counts as passed.** In this copy of the course the solution already sits in each exercise's
# code cell, collapsed, so that you can look once you have tried. A check counts here when it passes
# with *your* code: write your version in a new cell (or replace the whole collapsed cell, including its
# `### BEGIN SOLUTION` line) and run the check cell below it. A check that passed only with the
# course's solution cell shows as "not yet (passed only with the code in the course's solution cell)".
#
# **Where it is kept.** In one small file on this computer (its path is under the table); nothing is
# sent anywhere. To start again from zero, run `from backprop_lib import progress; progress.reset()`
# or delete that file.

# %%
from backprop_lib.widgets import ProgressPage

ProgressPage("chapters")
