# Grade calculator: a learner's first program with lists and conditionals.

def average(scores):
    sum = 0
    for score in scores:
        sum = sum + score
    return sum / len(scores)


def letter(score):
    if score >= 90:
        grade = "A"
    elif score >= 80:
        grade = "B"
    elif score >= 70:
        grade = "C"
    return grade


def report(name, scores):
    avg = average(scores)
    if name is "":
        name = "student"
    print(name + " has an average of " + avg)
    print("Grade: " + letter(avg))


scores = [88, 92, 79, 65]
report("Ada", scores)
best = scores.sort()
print("Best score:", best)
