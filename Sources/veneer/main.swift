import VeneerCommands

VeneerCommand.main()
