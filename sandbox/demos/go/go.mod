module gitlab.example.com/demo/app

go 1.24
