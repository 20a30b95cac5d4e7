module TopModule (
  input  clk,
  input  reset,
  input  in,
  output match
);
  localparam IDLE = 2'd0, GOT1 = 2'd1, GOT10 = 2'd2;
  reg [1:0] state;
  always @(posedge clk) begin
    if (reset) state <= IDLE;
    else begin
      case (state)
        IDLE:    state <= in ? GOT1 : IDLE;
        GOT1:    state <= in ? GOT1 : GOT10;
        default: state <= IDLE;
      endcase
    end
  end
  assign match = (state == GOT10) && in;
endmodule
