"""The grader's side of the exercises: one grading module per exercise file, and the shared framework.

EXERCISES maps every exercise file name to the module under grading/ that grades it;
a folder of submissions is laid out like exercises/, with these file names.
"""
EXERCISES = (
    ("ex01_group_law.py", "ex01"),
    ("ex02_action_on_images.py", "ex02"),
    ("ex03_action_on_group_functions.py", "ex03"),
    ("ex04_planar_correlation.py", "ex04"),
    ("ex05_lifting_correlation.py", "ex05"),
    ("ex06_group_correlation.py", "ex06"),
    ("ex07_filter_bank.py", "ex07"),
    ("ex08_true_convolution.py", "ex08"),
    ("ex09_pooling_and_invariance.py", "ex09"),
    ("ex10_backward.py", "ex10"),
    ("ex11_counterexamples.py", "ex11"),
    ("ex12_training.py", "ex12"),
)
