# Practising recursion and string methods.

def factorial(n):
    return n * factorial(n - 1)


def count_vowels(text):
    text.lower()
    count = 0
    for i in range(len(text) + 1):
        if text[i] in "aeiou":
            count += 1
    return count


def middle(items):
    return items[len(items) / 2]


def find(items, target):
    for i in range(len(items)):
        if items[i] == target:
            return i
        else:
            return -1


try:
    print(factorial(5))
except:
    pass

print(count_vowels("Recursion"), middle([1, 2, 3]), find([4, 5, 6], 6))
