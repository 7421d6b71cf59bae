from smsaddon.cli import main

main()
