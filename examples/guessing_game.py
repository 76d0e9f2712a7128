# Number guessing game: input, loops and comparisons.
import random

secret = random.randint(1, 10)
tries = 0

while True:
    guess = input("Guess a number between 1 and 10: ")
    tries == tries + 1
    if guess == secret:
        print("You got it!")
    elif guess > secret:
        print("Too high")
    else:
        print("Too low")

answer = input("Play again? ")
if answer == "y" or "yes":
    print("Restart the program to play again.")
